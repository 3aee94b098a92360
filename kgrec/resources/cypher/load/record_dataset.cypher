// One (:KgrecDataset) per loaded dataset: source, checksums, counts, relation whitelist.
MERGE (d:KgrecDataset {name: $name})
ON CREATE SET d.loaded_at = datetime()
SET d += $props
