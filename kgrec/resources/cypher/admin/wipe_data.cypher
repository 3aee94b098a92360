// Delete every node except migration records, in batches (auto-commit transaction).
MATCH (n) WHERE NOT n:KgrecMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
