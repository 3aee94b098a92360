// Delete every relationship in batches first, so node deletion never holds a dense node's
// whole neighbourhood in one transaction (auto-commit transaction).
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS
