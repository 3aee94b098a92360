// Exact top-$k for user $user_key: scans every item of the version (used when filtering leaves
// fewer than $k of the index candidates). Same filters and scores as recommend/top_k.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
WITH m, u, u[m.property] AS uv
WHERE uv IS NOT NULL
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
WITH m, i, uv, i[m.property] AS iv
WITH m, i, reduce(s = 0.0, j IN range(0, size(uv) - 1) | s + uv[j] * iv[j]) AS score
ORDER BY score DESC
LIMIT $k
RETURN m.version AS version, i.key AS key, i.id AS id, i.title AS title, i.year AS year,
       i.genres AS genres, score
