// One model version: the active one of $dataset when $version is null, else $version.
MATCH (m:KgrecModel)
WHERE ($version IS NULL AND m.active AND ($dataset IS NULL OR m.dataset = $dataset))
   OR m.version = $version
RETURN m.version AS version, m.dataset AS dataset, m.run_id AS run_id, m.model AS model,
       m.dim AS dim, m.status AS status, m.active AS active, m.property AS property,
       m.index AS index, m.max_norm AS max_norm, m.text_map AS text_map, m.text_dim AS text_dim
ORDER BY m.seq DESC
