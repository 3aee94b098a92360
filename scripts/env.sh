# Sourced by demo.sh / test.sh: venv on PATH, offline model hubs, quiet libraries.
export PATH="$PWD/.venv/bin:$PATH"
export DGLBACKEND=pytorch HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_PROGRESS_BARS=1 TRANSFORMERS_VERBOSITY=error TOKENIZERS_PARALLELISM=false
