// One key-ordered batch of a label's nodes of one dataset, as parallel lists (no record per node).
MATCH (n:{{label}}) WHERE n.key STARTS WITH $prefix AND n.key > $after
WITH n ORDER BY n.key LIMIT $limit
RETURN collect(n.key) AS keys, collect(coalesce(n.text, n.name, '')) AS texts
