// Exact top-$k for user $user_key: scans every item of the version (used when filtering leaves
// fewer than $k of the index candidates, or a filter so selective that the index would widen).
// Same filters and scores as recommend/top_k.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
WITH m, u, u[m.property] AS uv
WHERE uv IS NOT NULL
WITH m, u, uv, sqrt(reduce(s = 0.0, x IN uv | s + x * x)) * m.max_norm AS scale
MATCH (i:Item {dataset: $dataset})
WHERE i[m.property] IS NOT NULL
  AND NOT EXISTS { (u)-[:INTERACTED]->(i) }
  AND ($genre IS NULL OR $genre IN i.genres)
  AND ($min_year IS NULL OR i.year >= $min_year)
  AND ($max_year IS NULL OR i.year <= $max_year)
  AND ($entity IS NULL OR EXISTS {
        MATCH (i)-[r]-(e {key: $entity}) WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] })
  AND (NOT $exclude_friends OR NOT EXISTS {
        MATCH (u)-[:FRIEND]-(:User)-[:INTERACTED]->(i) })
WITH m, i, CASE scale WHEN 0.0 THEN 0.0
                ELSE scale * (2.0 * vector.similarity.cosine(uv, i[m.property]) - 1.0) END AS score
ORDER BY score DESC
LIMIT $k
RETURN m.version AS version, i.key AS key, i.id AS id, i.title AS title, i.year AS year,
       i.genres AS genres, score
