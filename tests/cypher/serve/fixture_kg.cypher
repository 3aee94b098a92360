// Test/benchmark fixture: item -> entity KG triples of one (whitelisted) relationship type.
UNWIND $rows AS row
MATCH (h:Item {key: row.head}), (t:Entity {key: row.tail})
CREATE (h)-[:{{rel}} {relation: $relation, dataset: $dataset}]->(t)
