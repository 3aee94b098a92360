// "People who liked X also liked it": U-I-U-I paths from the user to one recommended item $item_key.
// In Neo4j Browser first run:  :params {user_key: 'ml100k:1', item_key: 'ml100k:50'}
MATCH (u:User {key: $user_key}), (rec:Item {key: $item_key})
MATCH (u)-[:INTERACTED]->(x:Item)<-[:INTERACTED]-(v:User)-[:INTERACTED]->(rec)
WHERE v <> u AND x <> rec
WITH u, rec, x, collect(v)[..3] AS people, count(v) AS support
ORDER BY support DESC
LIMIT 2
UNWIND people AS v
MATCH p = (u)-[:INTERACTED]->(x)<-[:INTERACTED]-(v)-[:INTERACTED]->(rec)
RETURN p
