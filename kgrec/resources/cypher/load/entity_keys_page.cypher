// One key-ordered page of a dataset's Entity node keys.
MATCH (e:Entity) WHERE e.key STARTS WITH $prefix AND e.key > $after
WITH e.key AS key ORDER BY key LIMIT $limit
WITH collect(key) AS keys
RETURN keys, size(keys) AS n, keys[-1] AS last
