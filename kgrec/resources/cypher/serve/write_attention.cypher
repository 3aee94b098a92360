// KG attention of one model version on {{rel}} relationships between {{head}} and {{tail}} nodes:
// $rows [{h, t, a: [head->tail, tail->head]}] (KGAT edge_softmax weights), stored as property $property.
UNWIND $rows AS row
MATCH (h:{{head}} {key: row.h})-[r:{{rel}}]->(t:{{tail}} {key: row.t})
SET r[$property] = row.a
RETURN count(r) AS written
