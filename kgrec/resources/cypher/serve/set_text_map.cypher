// Store the cold-start ridge map (text vector -> item embedding), flattened row-major.
MATCH (m:KgrecModel {version: $version})
SET m.text_map = $text_map, m.text_dim = $text_dim
