// Nodes per label combination, every node included (tests/e2e/test_bulk_load.py).
MATCH (n) RETURN labels(n) AS labels, count(*) AS n ORDER BY n DESC
