// Walks T0-T1-T2-T3: for each x in T2, (2-hop walks T0..x) * deg(x, T3).
MATCH (x:{{T2}}) WHERE x.dataset = $dataset
CALL (x) {
  MATCH (x)-[:{{R2}}]-(y:{{T1}})
  RETURN sum(COUNT { (y)-[:{{R1}}]-(:{{T0}}) }) AS l
}
WITH x, l, COUNT { (x)-[:{{R3}}]-(:{{T3}}) } AS r
RETURN sum(l * r) AS instances
