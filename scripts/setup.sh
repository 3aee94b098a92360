#!/usr/bin/env bash
# Idempotent set-up: Python 3.11 venv in .venv, pinned dependencies, kgrec itself, Neo4j jars.
#   scripts/setup.sh [--no-neo4j]     (--no-neo4j: skip the Neo4j jars, e.g. for `./test.sh unit`)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || {
  echo "error: kgrec needs CPython 3.11 (DGL 2.1.0 wheels); found $("$PYTHON" --version)" >&2; exit 1; }

if [ ! -x .venv/bin/python ] || [ ! -x .venv/bin/pip ]; then  # missing or half-created
  echo "==> creating .venv"
  "$PYTHON" -m venv --clear .venv
fi
stamp=".venv/.kgrec-deps-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> installing pinned dependencies (first run downloads torch, ~2.5 GB)"
  .venv/bin/pip install --quiet --progress-bar off -r requirements.lock
  .venv/bin/pip install --quiet --no-deps -e .
  rm -f .venv/.kgrec-deps-*
  touch "$stamp"
fi
export DGLBACKEND=pytorch HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
[ "${1:-}" = "--no-neo4j" ] && exit 0
echo "==> Neo4j 5.26 (Maven Central)"
KGREC_HOME="${KGREC_HOME:-$PWD/.kgrec}" .venv/bin/kgrec db install
