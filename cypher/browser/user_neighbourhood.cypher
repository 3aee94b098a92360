// A user's neighbourhood: what they consumed and the KG entities (genres, directors, …) of those items.
// In Neo4j Browser first run:  :param user_key => 'ml100k:1'
MATCH p = (u:User {key: $user_key})-[:INTERACTED]->(i:Item)-[r]->(e)
WHERE NOT type(r) IN ['INTERACTED', 'FRIEND']
RETURN p
LIMIT 60
