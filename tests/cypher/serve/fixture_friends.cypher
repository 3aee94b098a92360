// Test/benchmark fixture: user -> user friendships.
UNWIND $rows AS row
MATCH (a:User {key: row.a}), (b:User {key: row.b})
CREATE (a)-[:FRIEND {dataset: $dataset}]->(b)
