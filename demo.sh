#!/usr/bin/env bash
# The main job, end to end, on a fresh clone: set-up, Neo4j, migrations, status.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
source scripts/env.sh
kgrec db start
kgrec db migrate
kgrec db status
