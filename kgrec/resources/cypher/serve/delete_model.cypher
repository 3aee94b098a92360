// Delete a version's model node (its vectors and index are removed first).
MATCH (m:KgrecModel {version: $version})
DELETE m
RETURN count(*) AS deleted
