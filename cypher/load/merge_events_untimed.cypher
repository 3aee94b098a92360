// Events without a timestamp: identity is (user, item, kind); created only when absent.
UNWIND $rows AS row
MATCH (u:User {key: row.user})
MATCH (i:Item {key: row.item})
OPTIONAL MATCH (u)-[old:INTERACTED {kind: row.kind}]->(i) WHERE old.ts IS NULL
WITH u, i, row, count(old) AS present
WHERE present = 0
CREATE (u)-[:INTERACTED {kind: row.kind, rating: row.rating, weight: row.weight, split: row.split}]->(i)
