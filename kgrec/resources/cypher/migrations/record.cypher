// Record one applied migration (idempotent on version).
MERGE (m:KgrecMigration {version: $version})
ON CREATE SET m.name = $name, m.sha256 = $sha256, m.applied_at = datetime()
