"""Rows from the area benchmarks other parts of kgrec ship (export, latency, write-back).

Contract for ``benchmarks/<name>.py`` (see benchmarks/README.md): run with the main venv as
``python benchmarks/<name>.py --json OUT [--quick] [script options]`` against the instance named by
KGREC_INSTANCE/KGREC_BOLT_PORT/KGREC_HTTP_PORT, and write
``{"rows": [{"metric", "kgrec", "baseline", "baseline_name", "unit", "higher_is_better", "note"}]}``.
A script that is absent, fails, or writes no JSON turns into a row marked not available.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from harness import env
from harness.report import Row, missing

SCRIPTS = {
    "export_vs_driver": ("Export — kgrec streaming export vs raw driver (same rows)", "raw neo4j driver"),
    "latency": ("Recommendation latency — Cypher top-10 vs numpy brute force", "numpy brute force"),
    "writeback": ("Write-back — vectors/s", "baseline"),
    "sampled_growth": ("Sampled training — LightGCN epoch time and peak memory as events grow: neighbour-sampled "
                       "(fanouts 15,10) vs full graph", "full-graph LightGCN"),
    # needs a recorded ml100k LightGCN run (the accuracy-ml100k or encoders-ml100k section) and root (unshare)
    "distributed": ("Distributed training — DistDGL LightGCN on ml-100k, 1 and 2 local parts vs single-process",
                    "single-process LightGCN"),
    # needs an active ml100k model on the benchmark instance (e.g. `kgrec write-back --run <kgat run>`)
    "fidelity": ("Explanation fidelity — fold-in score drop: explaining item vs random liked item (ml-100k)",
                 "removing a random liked item"),
}


def run(name: str, settings, work: Path, quick: bool, *, extra: tuple[str, ...] = (), section: str | None = None,
        tag: str = "", prefix: str = "", timeout: float = 3600) -> tuple[list[Row], str]:
    """Run ``benchmarks/<name>.py`` with ``extra`` arguments; its rows go under ``section`` (default: the
    script's own heading) with ``prefix`` before each metric. ``tag`` names the JSON/log files."""
    default_section, baseline = SCRIPTS[name]
    section = section or default_section
    script = env.ROOT / "benchmarks" / f"{name}.py"
    out = work / f"{name}{f'-{tag}' if tag else ''}.json"
    out.unlink(missing_ok=True)
    cmd = ["nice", "-n", "10", sys.executable, str(script), "--json", str(out), *(["--quick"] if quick else []), *extra]
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, env=env.cli_env(settings), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [missing(section, f"{prefix}all figures", baseline, f"timed out after {timeout:.0f}s")], ""
    log = work / f"{out.stem}.log"
    log.write_text(done.stdout + done.stderr)
    if done.returncode != 0 or not out.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return [missing(section, f"{prefix}all figures", baseline, f"script failed: {tail[0][:160]}")], ""
    rows = [_row(section, raw, prefix) for raw in json.loads(out.read_text()).get("rows", [])]
    return rows, f"{name}{f' {tag}' if tag else ''}: {time.perf_counter() - started:.0f}s (log {log.name})"


def _row(section: str, raw: dict, prefix: str = "") -> Row:
    def number(value):
        return None if value is None else float(value)

    return Row(section, prefix + str(raw.get("metric", "?")), number(raw.get("kgrec")), number(raw.get("baseline")),
               str(raw.get("baseline_name", "baseline")), str(raw.get("unit", "")),
               bool(raw.get("higher_is_better", True)), str(raw.get("note", "")))
