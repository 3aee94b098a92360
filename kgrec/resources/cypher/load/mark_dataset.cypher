// Record a dataset's load status before its first node is written ('loading'); record_dataset sets
// 'complete' with the counts at the end. A 'loading' record after a failure marks a partial dataset.
MERGE (d:KgrecDataset {name: $name})
  ON CREATE SET d.loaded_at = datetime()
SET d.status = $status
