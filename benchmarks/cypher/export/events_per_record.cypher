// Baseline for benchmarks/export_vs_driver.py: the same events, one record per row.
MATCH (u:User)-[r:INTERACTED]->(i:Item) WHERE u.key STARTS WITH $prefix
RETURN u.key AS user_key, i.key AS item_key, coalesce(r.rating, r.weight, 1.0) AS weight,
       coalesce(r.ts, 0) AS ts, coalesce(r.split, '') AS split
