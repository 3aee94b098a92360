// Why a recommendation came back empty: is there a model, the node ($label User|Item), its vector?
OPTIONAL MATCH (m:KgrecModel {dataset: $dataset})
WHERE ($version IS NULL AND m.active) OR m.version = $version
OPTIONAL MATCH (u:User {key: $key})
OPTIONAL MATCH (i:Item {key: $key})
WITH m, CASE $label WHEN 'User' THEN u ELSE i END AS n
RETURN m.version AS model, n IS NOT NULL AS exists,
       m IS NOT NULL AND n IS NOT NULL AND n[m.property] IS NOT NULL AS has_vector
LIMIT 1
