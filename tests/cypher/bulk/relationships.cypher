// Every relationship between dataset nodes with its type, ends and properties (tests/e2e/test_bulk_load.py).
MATCH (a)-[r]->(b) WHERE (a:User OR a:Item OR a:Entity) AND (b:User OR b:Item OR b:Entity)
RETURN a.key AS start, type(r) AS type, b.key AS end, properties(r) AS props
