// Baseline for benchmarks/export_vs_driver.py: the same KG triples, one record per row.
MATCH (h)-[r]->(t) WHERE r.dataset = $dataset AND r.relation IS NOT NULL AND (h:Item OR h:Entity)
RETURN h.key AS head_key, labels(h)[0] AS head_label, type(r) AS type, t.key AS tail_key,
       labels(t)[0] AS tail_label
