// Baseline for benchmarks/fidelity.py only: the explanation ranking kgrec shipped before evidence ranking,
// U-I-E-I by entity degree first (fewest links), then similarity; U-I-U-I by the number of co-consumers.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
UNWIND range(0, size($items) - 1) AS rank
MATCH (rec:Item {key: $items[rank]})
CALL (m, u, rec) {
  MATCH (rec)-[r2]-(e)
  WHERE NOT type(r2) IN ['INTERACTED', 'FRIEND']
  MATCH (e)-[r1]-(x:Item)<-[:INTERACTED]-(u)
  WHERE type(r1) = type(r2) AND x <> rec
  WITH m, rec, x, e, r2, x[m.property] AS xv, rec[m.property] AS rv
  WITH x, e, r2,
       reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]) AS similarity,
       COUNT { (e)--() } AS degree
  ORDER BY degree ASC, similarity DESC
  LIMIT $per_kind
  RETURN collect({kind: 'U-I-E-I', measure: 'degree', via_key: x.key, via_title: coalesce(x.title, x.id),
                  entity_key: e.key, entity: coalesce(e.name, e.title, e.id),
                  relation: coalesce(r2.relation, type(r2)), support: degree,
                  similarity: similarity}) AS shared
}
CALL (u, rec) {
  MATCH (rec)<-[:INTERACTED]-(v:User)-[:INTERACTED]->(x:Item)<-[:INTERACTED]-(u)
  WHERE v <> u AND x <> rec
  WITH x, count(DISTINCT v) AS people
  ORDER BY people DESC, x.key
  LIMIT $per_kind
  RETURN collect({kind: 'U-I-U-I', measure: 'count', via_key: x.key, via_title: coalesce(x.title, x.id),
                  support: people}) AS collaborative
}
RETURN rec.key AS key, shared + collaborative AS paths
ORDER BY rank
