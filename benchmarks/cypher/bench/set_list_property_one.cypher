// Baseline for benchmarks/writeback.py: what a hand-written script does — one query per vector.
MATCH (n:Item {key: $key})
SET n.bench_vec = $vec
