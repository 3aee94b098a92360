// KG triples (any type) from the next key-ordered batch of {{head}} nodes to {{tail}} nodes.
MATCH (h:{{head}}) WHERE h.key STARTS WITH $prefix AND h.key > $after
WITH h ORDER BY h.key LIMIT $limit
WITH collect(h) AS heads
CALL (heads) {
  UNWIND heads AS h
  MATCH (h)-[r]->(t:{{tail}}) WHERE r.dataset = $dataset AND r.relation IS NOT NULL
  RETURN collect(h.key) AS head_keys, collect(type(r)) AS types, collect(t.key) AS tail_keys
}
RETURN heads[-1].key AS last, size(heads) AS n, head_keys, types, tail_keys
