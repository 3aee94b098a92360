// Remove a version's KG attention property from every relationship carrying it, in batches (auto-commit).
MATCH ()-[r]->()
WHERE r[$property] IS NOT NULL
CALL (r) { SET r[$property] = null } IN TRANSACTIONS OF 10000 ROWS
