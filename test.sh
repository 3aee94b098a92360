#!/usr/bin/env bash
# The test suite with all its set-up, against a real managed Neo4j (instance "test").
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
source scripts/env.sh
ruff check kgrec tests benchmarks
set +e
pytest -q "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi
exit "$rc"
