// Relationships per type (tests/e2e/test_bulk_load.py).
MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY n DESC
