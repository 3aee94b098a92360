#!/usr/bin/env bash
# Idempotent set-up of RecBole 1.2.1 in its own venv (benchmarks/.work/recbole-venv) with the pins
# /work/shared/BASELINES.md lists. Everything comes from PyPI; pip's wheel cache avoids re-downloads.
#
#   benchmarks/recbole/setup.sh            # core venv (Pop, BPR, LightGCN, KGAT)
#   benchmarks/recbole/setup.sh --scatter  # also build torch-scatter 2.1.2 from source (KGIN; 15-30 min)
#
# Each step leaves a stamp file, so a second run only does what is missing. The torch-scatter build runs
# under `nice -n 19` with MAX_JOBS=1 so other work on the machine keeps a core.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV="benchmarks/.work/recbole-venv"
PY="$VENV/bin/python"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

CORE_PINS=(
  "recbole==1.2.1" "torch==2.2.1" "numpy==1.26.4" "pandas==2.1.4" "scipy==1.12.0"
  "dgl==2.1.0" "torchdata==0.7.1" "pydantic" "psutil" "requests" "tqdm" "pyyaml"
  "setuptools<70" "wheel" "ninja"
)
CORE_STAMP="$VENV/.stamp-core-$(printf '%s\n' "${CORE_PINS[@]}" | sha256sum | cut -c1-12)"
SCATTER_STAMP="$VENV/.stamp-torch-scatter-2.1.2"

if [ ! -x "$PY" ]; then
  echo "==> creating $VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$CORE_STAMP" ]; then
  echo "==> installing RecBole 1.2.1 and pins (first run downloads torch from PyPI, ~2.5 GB)"
  nice -n 19 "$PY" -m pip install --progress-bar off "${CORE_PINS[@]}"
  "$PY" -c 'import recbole, torch, dgl, numpy, scipy, pandas; print("recbole", recbole.__version__,
"torch", torch.__version__, "dgl", dgl.__version__, "numpy", numpy.__version__,
"scipy", scipy.__version__, "pandas", pandas.__version__)'
  rm -f "$VENV"/.stamp-core-*
  touch "$CORE_STAMP"
fi

if [ "${1:-}" = "--scatter" ] && [ ! -f "$SCATTER_STAMP" ]; then
  echo "==> building torch-scatter 2.1.2 from source against torch 2.2.1 (15-30 min, nice 19, 1 job)"
  if MAX_JOBS=1 FORCE_CUDA=0 TORCH_CUDA_ARCH_LIST="" nice -n 19 \
      "$PY" -m pip install --progress-bar off --no-build-isolation "torch-scatter==2.1.2"; then
    "$PY" -c 'import torch_scatter; print("torch_scatter", torch_scatter.__version__)'
    touch "$SCATTER_STAMP"
  else
    echo "warning: torch-scatter build failed; KGIN will be reported as not run" >&2
    exit 3
  fi
fi
echo "==> RecBole venv ready: $VENV"
