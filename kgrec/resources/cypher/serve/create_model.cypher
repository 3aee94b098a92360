// Register a model version in state 'writing' (not active) before any vector is written.
CREATE (m:KgrecModel {version: $version, seq: $seq, dataset: $dataset, run_id: $run_id,
                      property: $property, index: $index, dim: $dim, max_norm: $max_norm,
                      model: $model, status: 'writing', active: false, created_at: datetime()})
RETURN m.version AS version
