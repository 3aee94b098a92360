// Top-$k items for user $user_key from model $version (null = the dataset's active version):
// approximate vector-index search over-fetching $fetch candidates, then graph filters
// (seen items, genre, linked entity, release years, friends' items) and exact dot-product re-scoring.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
WITH m, u, u[m.property] AS uv
WHERE uv IS NOT NULL
CALL db.index.vector.queryNodes(m.index, $fetch, uv) YIELD node AS i
WITH m, u, uv, i
WHERE NOT EXISTS { (u)-[:INTERACTED]->(i) }
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
