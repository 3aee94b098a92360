// Every dataset node with its labels and properties, in key order (tests/e2e/test_bulk_load.py).
MATCH (n) WHERE n:User OR n:Item OR n:Entity
RETURN labels(n) AS labels, properties(n) AS props
ORDER BY n.key
