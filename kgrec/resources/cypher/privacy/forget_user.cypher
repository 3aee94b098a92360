// Erase one user: the node, every relationship (events, friendships) and every property (each model
// version's vector emb_vN, text_vec) in one statement. No row when the user is absent.
MATCH (u:User {key: $key})
WITH u, COUNT { (u)-[:INTERACTED]->() } AS events, COUNT { (u)-[:FRIEND]-() } AS friends,
     [k IN keys(u) WHERE k STARTS WITH 'emb_' OR k = 'text_vec'] AS vectors, u.text AS text
DETACH DELETE u
RETURN events, friends, vectors, text
