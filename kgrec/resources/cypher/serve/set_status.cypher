// Record a version's write-back state ('writing' | 'ready' | 'failed') and counts.
MATCH (m:KgrecModel {version: $version})
SET m.status = $status, m.counts = $counts, m.updated_at = datetime()
RETURN m.version AS version
