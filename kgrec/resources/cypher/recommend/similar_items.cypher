// Items most similar to item $item_key by embedding dot product (the model's own score),
// via the vector index: the query is the item's vector with a zero augmentation component; the dot
// product is (2s - 1) |q| M from the native cosine s (every stored item vector has norm M, see top_k).
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (x:Item {key: $item_key})
WITH m, x, x[m.property] AS xv
WHERE xv IS NOT NULL
WITH m, x, xv[0..size(xv) - 1] + [0.0] AS qv
WITH m, x, qv, sqrt(reduce(s = 0.0, v IN qv | s + v * v)) * m.max_norm AS scale
CALL db.index.vector.queryNodes(m.index, $fetch, qv) YIELD node AS i
WITH m, x, qv, scale, i
WHERE i <> x
  AND ($genre IS NULL OR $genre IN i.genres)
  AND ($min_year IS NULL OR i.year >= $min_year)
  AND ($max_year IS NULL OR i.year <= $max_year)
WITH m, i, CASE scale WHEN 0.0 THEN 0.0
                ELSE scale * (2.0 * vector.similarity.cosine(qv, i[m.property]) - 1.0) END AS score
ORDER BY score DESC
LIMIT $k
RETURN m.version AS version, i.key AS key, i.id AS id, i.title AS title, i.year AS year,
       i.genres AS genres, score
