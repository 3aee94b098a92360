// Append validated events (one transaction for the whole file; duplicates removed before). Items exist
// (checked before); new users are created. Event identity, shared with cypher/load/merge_events_*:
// (user, item, kind, ts) -- a null ts matches only a null ts -- or (user, event_id) when the row has one.
// An event whose identity is already recorded is left exactly as it is (append-only, idempotent).
// $rows: [{user, user_key, item_key, kind, ts, rating, weight, event_id}]
UNWIND $rows AS row
MATCH (i:Item {key: row.item_key})
MERGE (u:User {key: row.user_key})
  ON CREATE SET u.dataset = $dataset, u.id = row.user
WITH u, i, row
OPTIONAL MATCH (u)-[old:INTERACTED]->(other:Item)
WHERE CASE WHEN row.event_id IS NULL
           THEN other = i AND old.kind = row.kind AND (old.ts = row.ts OR (old.ts IS NULL AND row.ts IS NULL))
           ELSE old.event_id = row.event_id END
WITH u, i, row, count(old) = 0 AS fresh
FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END |
  CREATE (u)-[:INTERACTED {kind: row.kind, ts: row.ts, rating: row.rating, weight: row.weight,
                           event_id: row.event_id}]->(i))
RETURN count(*) AS rows, sum(CASE WHEN fresh THEN 1 ELSE 0 END) AS created
