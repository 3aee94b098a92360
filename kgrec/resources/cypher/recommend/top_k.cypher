// Top-$k items for user $user_key from model $version (null = the dataset's active version):
// approximate vector-index search over-fetching $fetch candidates, then graph filters
// (seen items, genre, linked entity, release years, friends' items) and exact re-scoring. Every stored item
// vector has norm m.max_norm (the MIPS augmentation), so the dot product u.i is (2s - 1) |u| M with s the
// server's native cosine similarity (normalised to [0, 1]) of the stored vectors: no per-float Cypher arithmetic.
// `passed`: how many of the $fetch candidates passed the filters (recommend() sizes the next fetch from it).
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key})
WITH m, u, u[m.property] AS uv
WHERE uv IS NOT NULL
WITH m, u, uv, sqrt(reduce(s = 0.0, x IN uv | s + x * x)) * m.max_norm AS scale
CALL db.index.vector.queryNodes(m.index, $fetch, uv) YIELD node AS i
WITH m, u, uv, scale, i
WHERE NOT EXISTS { (u)-[:INTERACTED]->(i) }
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
WITH m, collect({i: i, score: score}) AS ranked
UNWIND ranked[0..$k] AS top
WITH m, top.i AS i, top.score AS score, size(ranked) AS passed
RETURN m.version AS version, i.key AS key, i.id AS id, i.title AS title, i.year AS year,
       i.genres AS genres, score, passed
