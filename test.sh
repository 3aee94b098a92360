#!/usr/bin/env bash
# The test suite with all its set-up, against a real managed Neo4j (instance "test").
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
source scripts/env.sh
ruff check .
set +e
pytest -q "$@"
rc=$?
set -e
# the session fixture leaves the test instance running for quick re-runs; CI stops it here
KGREC_INSTANCE="${KGREC_TEST_INSTANCE:-test}" KGREC_BOLT_PORT="${KGREC_TEST_BOLT_PORT:-7688}" \
  KGREC_HTTP_PORT="${KGREC_TEST_HTTP_PORT:-7475}" kgrec db stop || true
if [ "$rc" -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi
exit "$rc"
