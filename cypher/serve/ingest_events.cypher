// Add validated events (one transaction for the whole file): new users are created,
// items must exist (checked before). An existing (user, item) interaction is updated.
UNWIND $rows AS row
MATCH (i:Item {key: row.item_key})
MERGE (u:User {key: row.user_key})
  ON CREATE SET u.dataset = $dataset, u.id = row.user
MERGE (u)-[r:INTERACTED]->(i)
SET r.kind = row.kind, r.weight = row.weight, r.rating = row.rating, r.ts = row.ts
RETURN count(*) AS written
