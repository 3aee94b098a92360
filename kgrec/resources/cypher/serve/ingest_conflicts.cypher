// The first event of $rows whose identity (see ingest_events) is already recorded with another item,
// rating or weight (a null $row.weight means "not given": not compared). No row: no conflict.
UNWIND $rows AS row
MATCH (u:User {key: row.user_key})-[old:INTERACTED]->(i:Item)
WHERE CASE WHEN row.event_id IS NULL
           THEN i.key = row.item_key AND old.kind = row.kind
                AND (old.ts = row.ts OR (old.ts IS NULL AND row.ts IS NULL))
           ELSE old.event_id = row.event_id END
  AND (i.key <> row.item_key
       OR NOT coalesce(old.rating = row.rating, old.rating IS NULL AND row.rating IS NULL)
       OR (row.weight IS NOT NULL AND NOT coalesce(old.weight = row.weight, false)))
RETURN row.line AS line, i.key AS item, old.rating AS rating, old.weight AS weight
ORDER BY line
LIMIT 1
