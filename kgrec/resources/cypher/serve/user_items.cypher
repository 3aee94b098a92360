// The items (with interaction weights) of each user in $keys.
UNWIND $keys AS key
MATCH (u:User {key: key})-[r:INTERACTED]->(i:Item)
RETURN u.key AS key, collect(i.key) AS items, collect(coalesce(r.weight, r.rating, 1.0)) AS weights
