// All model versions, newest first.
MATCH (m:KgrecModel)
RETURN m.version AS version, m.dataset AS dataset, m.run_id AS run_id, m.model AS model,
       m.dim AS dim, m.status AS status, m.active AS active, m.counts AS counts,
       toString(m.created_at) AS created_at, m.property AS property, m.index AS index,
       m.max_norm AS max_norm
ORDER BY m.seq DESC
