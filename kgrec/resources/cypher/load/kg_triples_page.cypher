// One key-ordered page of a dataset's KG triples (relationships carrying r.relation) whose head is a
// {{head}} node: parallel lists of head key, type, tail key and tail label. Used to find stale triples.
MATCH (h:{{head}}) WHERE h.key STARTS WITH $prefix AND h.key > $after
WITH h ORDER BY h.key LIMIT $limit
WITH collect(h) AS heads
CALL (heads) {
  UNWIND heads AS h
  MATCH (h)-[r]->(t) WHERE r.dataset = $dataset AND r.relation IS NOT NULL AND (t:Item OR t:Entity)
  RETURN collect(h.key) AS head_keys, collect(type(r)) AS types, collect(t.key) AS tail_keys,
         collect(CASE WHEN t:Item THEN 'Item' ELSE 'Entity' END) AS tail_labels
}
RETURN heads[-1].key AS last, size(heads) AS n, head_keys, types, tail_keys, tail_labels
