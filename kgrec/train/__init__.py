"""Training: split, metrics (the shared evaluator), trainer with checkpoint/resume, run records."""
