// Delete every relationship touching a dataset's nodes, a few hundred nodes per transaction (dense nodes stay small).
MATCH (n) WHERE n.dataset = $name AND (n:User OR n:Item OR n:Entity)
CALL (n) { MATCH (n)-[r]-() DELETE r } IN TRANSACTIONS OF 500 ROWS
