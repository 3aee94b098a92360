// Walks T0-T1-T2-T3-T4: for each x in T2, (2-hop walks T0..x) * (2-hop walks x..T4).
MATCH (x:{{T2}}) WHERE x.dataset = $dataset
CALL (x) {
  MATCH (x)-[:{{R2}}]-(y:{{T1}})
  RETURN sum(COUNT { (y)-[:{{R1}}]-(:{{T0}}) }) AS l
}
CALL (x) {
  MATCH (x)-[:{{R3}}]-(z:{{T3}})
  RETURN sum(COUNT { (z)-[:{{R4}}]-(:{{T4}}) }) AS r
}
RETURN sum(l * r) AS instances
