// FRIEND edges of the next key-ordered batch of users, as parallel lists.
MATCH (u:User) WHERE u.key STARTS WITH $prefix AND u.key > $after
WITH u ORDER BY u.key LIMIT $limit
WITH collect(u) AS users
CALL (users) {
  UNWIND users AS u
  MATCH (u)-[:FRIEND]->(f:User)
  RETURN collect(u.key) AS user_keys, collect(f.key) AS friend_keys
}
RETURN users[-1].key AS last, size(users) AS n, user_keys, friend_keys
