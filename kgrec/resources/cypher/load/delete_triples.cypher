// Delete KG triples of one (whitelisted) type that the dataset's source no longer has. $rows: [{h, t}].
UNWIND $rows AS row
MATCH (h:{{head}} {key: row.h})-[r:{{rel}}]->(t:{{tail}} {key: row.t})
WHERE r.dataset = $dataset
DELETE r
