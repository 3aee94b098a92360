// KG triples of the dataset's whitelisted relationship types ($types, from its KgrecDataset record)
// leaving the next key-ordered batch of {{head}} nodes; tail_items tells Item tails from Entity tails.
MATCH (h:{{head}}) WHERE h.key STARTS WITH $prefix AND h.key > $after
WITH h ORDER BY h.key LIMIT $limit
WITH collect(h) AS heads
CALL (heads) {
  UNWIND heads AS h
  MATCH (h)-[r]->(t) WHERE type(r) IN $types AND r.dataset = $dataset AND (t:Item OR t:Entity)
  RETURN collect(h.key) AS head_keys, collect(type(r)) AS types, collect(t.key) AS tail_keys,
         collect(t:Item) AS tail_items
}
RETURN heads[-1].key AS last, size(heads) AS n, head_keys, types, tail_keys, tail_items
