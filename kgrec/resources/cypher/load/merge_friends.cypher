// User-user social edges as listed in the input. $rows: [{a, b}] (user keys).
UNWIND $rows AS row
MATCH (a:User {key: row.a})
MATCH (b:User {key: row.b})
MERGE (a)-[r:FRIEND]->(b)
SET r.dataset = $dataset
