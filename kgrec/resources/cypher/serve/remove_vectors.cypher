// Remove a version's vector property from every {{label}} node, in batches (auto-commit).
MATCH (n:{{label}})
WHERE n[$property] IS NOT NULL
CALL (n) { SET n[$property] = null } IN TRANSACTIONS OF 10000 ROWS
