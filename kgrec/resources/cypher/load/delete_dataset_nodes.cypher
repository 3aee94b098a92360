// Delete a dataset's (now unconnected) nodes and its KgrecDataset record, in batches.
MATCH (n) WHERE (n.dataset = $name AND (n:User OR n:Item OR n:Entity)) OR (n:KgrecDataset AND n.name = $name)
CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS
