// Record that model version $version has KG attention in relationship property $attention.
MATCH (m:KgrecModel {version: $version})
SET m.attention = $attention
RETURN m.version AS version
