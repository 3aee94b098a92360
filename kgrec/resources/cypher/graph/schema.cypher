// Neo4j's own schema summary: one virtual node per label, one relationship per (label, type, label).
CALL db.schema.visualization()
