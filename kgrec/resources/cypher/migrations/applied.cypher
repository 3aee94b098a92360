// Applied schema migrations, oldest first.
MATCH (m:KgrecMigration)
RETURN m.version AS version, m.name AS name, m.sha256 AS sha256, toString(m.applied_at) AS applied_at
ORDER BY m.version
