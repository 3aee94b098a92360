// The record of one loaded dataset (null when absent).
OPTIONAL MATCH (d:KgrecDataset {name: $name})
RETURN d {.*, loaded_at: toString(d.loaded_at)} AS dataset
