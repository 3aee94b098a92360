// The next key-ordered batch of a dataset's items: keys, genres, and their consumers as parallel lists
// (event_items = position of the item in this batch, event_users = the user's key; one entry per event).
MATCH (i:Item) WHERE i.key STARTS WITH $prefix AND i.key > $after
WITH i ORDER BY i.key LIMIT $limit
WITH collect(i) AS items
CALL (items) {
  UNWIND range(0, size(items) - 1) AS p
  WITH p, items[p] AS i
  MATCH (u:User)-[:INTERACTED]->(i)
  RETURN collect(p) AS event_items, collect(u.key) AS event_users
}
RETURN items[-1].key AS last, size(items) AS n, [i IN items | i.key] AS keys,
       [i IN items | coalesce(i.genres, [])] AS genres, event_items, event_users
