// Test/benchmark fixture: create users.
UNWIND $rows AS row
CREATE (:User {key: row.key, dataset: $dataset, id: row.id})
