"""kgrec benchmark harness (run it with benchmarks/run)."""
