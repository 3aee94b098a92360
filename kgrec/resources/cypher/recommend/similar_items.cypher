// Items most similar to item $item_key by embedding dot product (the model's own score),
// via the vector index: the query is the item's vector with a zero augmentation component.
MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (x:Item {key: $item_key})
WITH m, x, x[m.property] AS xv
WHERE xv IS NOT NULL
WITH m, x, xv[0..size(xv) - 1] + [0.0] AS qv
CALL db.index.vector.queryNodes(m.index, $fetch, qv) YIELD node AS i
WITH m, x, qv, i
WHERE i <> x
  AND ($genre IS NULL OR $genre IN i.genres)
  AND ($min_year IS NULL OR i.year >= $min_year)
  AND ($max_year IS NULL OR i.year <= $max_year)
WITH m, i, qv, i[m.property] AS iv
WITH m, i, reduce(s = 0.0, j IN range(0, size(qv) - 1) | s + qv[j] * iv[j]) AS score
ORDER BY score DESC
LIMIT $k
RETURN m.version AS version, i.key AS key, i.id AS id, i.title AS title, i.year AS year,
       i.genres AS genres, score
