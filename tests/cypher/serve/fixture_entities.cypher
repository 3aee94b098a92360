// Test/benchmark fixture: create KG entities.
UNWIND $rows AS row
CREATE (:Entity {key: row.key, dataset: $dataset, id: row.id, name: row.name})
