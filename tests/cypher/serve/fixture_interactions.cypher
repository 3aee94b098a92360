// Test/benchmark fixture: user -> item interactions.
UNWIND $rows AS row
MATCH (u:User {key: row.user}), (i:Item {key: row.item})
CREATE (u)-[:INTERACTED {kind: 'rating', rating: row.rating, weight: row.rating}]->(i)
