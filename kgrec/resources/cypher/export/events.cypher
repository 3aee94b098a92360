// INTERACTED events of the next key-ordered batch of users, as parallel lists.
MATCH (u:User) WHERE u.key STARTS WITH $prefix AND u.key > $after
WITH u ORDER BY u.key LIMIT $limit
WITH collect(u) AS users
CALL (users) {
  UNWIND users AS u
  MATCH (u)-[r:INTERACTED]->(i:Item)
  RETURN collect(u.key) AS user_keys, collect(i.key) AS item_keys,
         collect(coalesce(r.rating, r.weight, 1.0)) AS weights, collect(coalesce(r.ts, 0)) AS ts,
         collect(coalesce(r.split, '')) AS splits
}
RETURN users[-1].key AS last, size(users) AS n, user_keys, item_keys, weights, ts, splits
