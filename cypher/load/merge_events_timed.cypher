// Events with a timestamp: identity is (user, item, kind, ts). $rows: [{user, item, kind, ts, rating, weight, split}].
UNWIND $rows AS row
MATCH (u:User {key: row.user})
MATCH (i:Item {key: row.item})
MERGE (u)-[r:INTERACTED {kind: row.kind, ts: row.ts}]->(i)
SET r.rating = row.rating, r.weight = row.weight, r.split = row.split
