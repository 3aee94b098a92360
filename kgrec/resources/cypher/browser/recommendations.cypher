// The user's top-$k unseen items from the active model, with dot-product scores (same ranking as
// `kgrec recommend`): vector index over-fetch, exclude seen items, exact re-scoring.
// In Neo4j Browser first run:  :params {user_key: 'ml100k:1', dataset: 'ml100k', k: 10}
MATCH (m:KgrecModel {dataset: $dataset, active: true})
MATCH (u:User {key: $user_key})
CALL db.index.vector.queryNodes(m.index, 100, u[m.property]) YIELD node AS i
WITH m, u, i
WHERE NOT EXISTS { (u)-[:INTERACTED]->(i) }
WITH m, i, u[m.property] AS uv, i[m.property] AS iv
RETURN i.id AS item, i.title AS title, i.year AS year, i.genres AS genres,
       round(reduce(s = 0.0, j IN range(0, size(uv) - 1) | s + uv[j] * iv[j]), 4) AS score,
       m.version AS model
ORDER BY score DESC
LIMIT toInteger($k)
