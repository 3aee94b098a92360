// Nodes per dataset and label ($dataset null: all datasets).
MATCH (n) WHERE NOT n:KgrecMigration AND ($dataset IS NULL OR n.dataset = $dataset OR n.name = $dataset)
UNWIND labels(n) AS label
RETURN coalesce(n.dataset, '') AS dataset, label, count(*) AS count
ORDER BY dataset, label
