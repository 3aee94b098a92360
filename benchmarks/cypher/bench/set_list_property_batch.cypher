// Baseline for benchmarks/writeback.py: the same vectors as a plain LIST<FLOAT> property (no vector
// type check, no index), in the same UNWIND batches. $rows: [{key, vec}].
UNWIND $rows AS row
MATCH (n:Item {key: row.key})
SET n.bench_vec = row.vec
RETURN count(n) AS written
