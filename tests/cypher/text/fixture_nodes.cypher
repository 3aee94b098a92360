// Test fixture: a tiny graph of items (with text) and entities (some named) for encode-text tests.
UNWIND $rows AS row
CALL (row) {
  WITH row WHERE row.label = 'Item'
  MERGE (n:Item {key: row.key}) SET n.dataset = row.dataset, n.id = row.id, n.text = row.text
}
CALL (row) {
  WITH row WHERE row.label = 'Entity'
  MERGE (n:Entity {key: row.key}) SET n.dataset = row.dataset, n.id = row.id, n.name = row.text
}
