// KG triples of one relationship type between whitelisted labels. $rows: [{h, t}] (node keys).
UNWIND $rows AS row
MATCH (h:{{head}} {key: row.h})
MATCH (t:{{tail}} {key: row.t})
MERGE (h)-[r:{{rel}}]->(t)
SET r.relation = $relation, r.dataset = $dataset
