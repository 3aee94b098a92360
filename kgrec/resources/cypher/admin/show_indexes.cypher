// Names of indexes not owned by a constraint (token lookup indexes excluded).
SHOW INDEXES YIELD name, type, owningConstraint
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN name
