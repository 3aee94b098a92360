// Relationships per dataset (of the start node) and type ($dataset null: all datasets).
MATCH (a)-[r]->() WHERE $dataset IS NULL OR a.dataset = $dataset
RETURN coalesce(a.dataset, '') AS dataset, type(r) AS type, count(*) AS count
ORDER BY dataset, type
