// Up to $limit instances of a 4-hop metapath, each from a different random start node.
MATCH (x0:{{T0}}) WHERE x0.dataset = $dataset
WITH x0 ORDER BY rand() LIMIT $starts
CALL (x0) {
  MATCH p = (x0)-[:{{R1}}]-(x1:{{T1}})-[:{{R2}}]-(x2:{{T2}})-[:{{R3}}]-(x3:{{T3}})-[:{{R4}}]-(x4:{{T4}})
  RETURN p LIMIT 1
}
RETURN [n IN nodes(p) | coalesce(n.title, n.name, n.id)] AS names,
       [n IN nodes(p) | n.key] AS keys,
       [r IN relationships(p) | type(r)] AS relationships
LIMIT $limit
