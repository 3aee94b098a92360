#!/usr/bin/env bash
# The test suite with all its set-up, against a real managed Neo4j (instance "test").
#   ./test.sh              ruff + every tier (unit, integration, e2e), then the integration tier again through
#                          the routing driver (neo4j://, as against a cluster) — what CI runs (.ci/run)
#   ./test.sh unit         ruff + the fast tier alone (no Java, no Neo4j)
#   ./test.sh unit|integration|e2e [pytest args]   one tier;  ./test.sh [pytest args]   everything
set -euo pipefail
cd "$(dirname "$0")"
tier=""
case "${1:-}" in unit|integration|e2e) tier="$1"; shift ;; esac
if [ "$tier" = "unit" ]; then ./scripts/setup.sh --no-neo4j; else ./scripts/setup.sh; fi
source scripts/env.sh
# the read-only public data (Last.fm, movielens-1m) sits next to the checkout unless the caller chose
export KGREC_DATA_DIR="${KGREC_DATA_DIR:-$(cd .. && pwd)/shared/data}"
ruff check .
set +e
if [ -n "$tier" ]; then pytest -q "tests/$tier" "$@"; else pytest -q "$@"; fi
rc=$?
if [ "$rc" -eq 0 ] && { [ -z "$tier" ] || [ "$tier" = "integration" ]; }; then
  echo "== integration tier through the routing driver (neo4j://127.0.0.1:${KGREC_TEST_BOLT_PORT:-7688})"
  KGREC_TEST_ROUTING=1 pytest -q tests/integration "$@"
  rc=$?
fi
set -e
# the session fixture leaves the test instance running for quick re-runs; CI stops it here
if [ "$tier" != "unit" ]; then
  KGREC_HOME="$PWD/.kgrec" KGREC_INSTANCE="${KGREC_TEST_INSTANCE:-test}" KGREC_BOLT_PORT="${KGREC_TEST_BOLT_PORT:-7688}" \
    KGREC_HTTP_PORT="${KGREC_TEST_HTTP_PORT:-7475}" kgrec db stop || true
fi
if [ "$rc" -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi
exit "$rc"
