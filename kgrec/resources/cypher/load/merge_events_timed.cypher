// Events with a timestamp: identity is (user, item, kind, ts), the same as `kgrec ingest-events`
// (cypher/serve/ingest_events). History is append-only: an event already recorded keeps its rating and
// weight; only a missing split is filled in. $rows: [{user, item, kind, ts, rating, weight, split}].
UNWIND $rows AS row
MATCH (u:User {key: row.user})
MATCH (i:Item {key: row.item})
MERGE (u)-[r:INTERACTED {kind: row.kind, ts: row.ts}]->(i)
  ON CREATE SET r.rating = row.rating, r.weight = row.weight, r.split = row.split
  ON MATCH SET r.split = coalesce(r.split, row.split)
