// Explanation paths for the user's top-3 recommendations, drawn as a graph:
// User -INTERACTED-> liked Item -[R]-> shared entity <-[R]- recommended Item (U-I-E-I).
// In Neo4j Browser first run:  :params {user_key: 'ml100k:1', dataset: 'ml100k'}
MATCH (m:KgrecModel {dataset: $dataset, active: true})
MATCH (u:User {key: $user_key})
CALL db.index.vector.queryNodes(m.index, 100, u[m.property]) YIELD node AS rec
WITH m, u, rec
WHERE NOT EXISTS { (u)-[:INTERACTED]->(rec) }
WITH m, u, rec, u[m.property] AS uv, rec[m.property] AS rv
WITH m, u, rec, reduce(s = 0.0, j IN range(0, size(uv) - 1) | s + uv[j] * rv[j]) AS score
ORDER BY score DESC
LIMIT 3
CALL (m, u, rec) {
  MATCH p = (u)-[:INTERACTED]->(x:Item)-[r1]->(e)<-[r2]-(rec)
  WHERE type(r1) = type(r2) AND NOT type(r1) IN ['INTERACTED', 'FRIEND']
  WITH p, x, e, rec, x[m.property] AS xv, rec[m.property] AS rv
  RETURN p
  ORDER BY COUNT { (e)--() } ASC, reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]) DESC
  LIMIT 2
}
RETURN p
