// Written-back model versions; exactly one is active per dataset.
MATCH (m:KgrecModel)
RETURN m.version AS version, m.dataset AS dataset, m.run_id AS run, m.status AS status,
       m.active AS active, m.dim - 1 AS dim, m.index AS vector_index, toString(m.created_at) AS created
ORDER BY m.seq DESC
