// Events without a timestamp: identity is (user, item, kind) with no ts, the same as
// `kgrec ingest-events` (cypher/serve/ingest_events); created only when absent (append-only).
UNWIND $rows AS row
MATCH (u:User {key: row.user})
MATCH (i:Item {key: row.item})
OPTIONAL MATCH (u)-[old:INTERACTED {kind: row.kind}]->(i) WHERE old.ts IS NULL
WITH u, i, row, count(old) AS present
WHERE present = 0
CREATE (u)-[:INTERACTED {kind: row.kind, rating: row.rating, weight: row.weight, split: row.split}]->(i)
