// User-defined constraints and indexes (token lookup indexes excluded).
CALL () { SHOW CONSTRAINTS YIELD name RETURN name, 'CONSTRAINT' AS kind }
RETURN name, kind
UNION
SHOW INDEXES YIELD name, type, owningConstraint
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN name, 'INDEX' AS kind
