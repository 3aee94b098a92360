"""Accuracy rows: kgrec's models (``kgrec train``) vs RecBole 1.2.1 on one identical split.

The split is kgrec's own: after the first ``kgrec train`` run, its ``runs/<id>/graph`` (the GraphData
exported from Neo4j) and ``runs/<id>/split.npz`` are written as RecBole pre-split atomic files, so both
systems train and test on exactly the same interactions. Without a kgrec build that trains, the
ml-100k graph is read from the atomic files and split with ``kgrec.train.split.make_split`` so the
RecBole side still runs; the kgrec rows are then marked as not available.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness import env
from harness.report import Row, missing
from kgrec.data import GraphData
from kgrec.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks" / "recbole"))
from write_atomic import write_atomic  # noqa: E402

RECBOLE_PY = PROJECT_ROOT / "benchmarks" / ".work" / "recbole-venv" / "bin" / "python"
RUNNER = PROJECT_ROOT / "benchmarks" / "recbole" / "run_recbole.py"
METRICS = ("recall@10", "ndcg@10", "recall@20", "ndcg@20")
KGREC_TO_RECBOLE = {"pop": "Pop", "bprmf": "BPR", "lightgcn": "LightGCN", "kgat": "KGAT"}
LOAD_COMMAND = {"ml-100k": ["load", "ml100k"], "lastfm": ["load", "lastfm"]}
TRAIN_DATASET = {"ml-100k": "ml100k", "lastfm": "lastfm"}


@dataclass
class Plan:
    kgrec_models: list[str]
    kgrec_epochs: dict[str, int]
    recbole_models: list[str]
    recbole_epochs: dict[str, int]
    threads: int


def run(dataset: str, plan: Plan, work: Path, settings) -> tuple[list[Row], list[str]]:
    section = f"Accuracy — {dataset} (test set, one split for every system)"
    notes: list[str] = []
    kgrec_runs, graph, split = _kgrec_side(dataset, plan, settings, work, notes)
    if graph is None:
        graph, split = _fallback_graph(dataset, notes)
    if graph is None:
        return [missing(section, "all metrics", "RecBole", "no graph for this dataset in this build")], notes
    rb_name = f"{dataset}-split"
    parts = split if isinstance(split, dict) else {p: getattr(split, p) for p in ("train", "valid", "test")}
    manifest = write_atomic(graph, parts, work / "atomic", rb_name)
    notes.append(f"{dataset}: split {getattr(split, 'split_id', '?')} — train/valid/test "
                 f"{manifest['rows']['train']}/{manifest['rows']['valid']}/{manifest['rows']['test']} interactions; "
                 f"atomic files in {Path(manifest['dir']).relative_to(PROJECT_ROOT)}")
    recbole = _recbole_side(rb_name, plan, work, notes)
    return _rows(section, kgrec_runs, recbole), notes


# -- kgrec ------------------------------------------------------------------------------------
def kgrec_can_train() -> bool:
    done = subprocess.run([env.KGREC, "train", "--help"], capture_output=True, text=True)
    return done.returncode == 0 and "--model" in done.stdout


def _kgrec_side(dataset: str, plan: Plan, settings, work: Path, notes: list[str]):
    """Train every kgrec model; return (metrics per model, GraphData, Split) of the first run."""
    if not kgrec_can_train():
        notes.append(f"{dataset}: `kgrec train` is not in this build — kgrec accuracy rows not available")
        return {}, None, None
    cli_env = env.cli_env(settings) | {"KGREC_RUNS_DIR": str(work / "runs")}  # own runs: sections may run in parallel
    source = _load_into_neo4j(dataset, settings, cli_env, notes)
    if source is None:
        graph, _ = _fallback_graph(dataset, notes)
        if graph is None:
            return {}, None, None
        source = work / "graph"
        graph.save(source)
    results: dict[str, dict] = {}
    graph = split = None
    for model in plan.kgrec_models:
        result, run_dir = _train(model, dataset, plan, cli_env, source, notes)
        if result is None:
            continue
        results[model] = result
        if graph is None:
            from kgrec.train.split import load_split

            graph, split = GraphData.load(run_dir / "graph"), load_split(run_dir / "split.npz")
        elif result.get("split_id") not in (None, split.split_id):
            notes.append(f"{dataset}: kgrec {model} trained on split {result.get('split_id')}, "
                         f"not {split.split_id} — its rows are not comparable")
            results.pop(model)
    return results, graph, split


def _load_into_neo4j(dataset: str, settings, cli_env: dict, notes: list[str]) -> str | None:
    """``kgrec load`` into a fresh database; "neo4j" on success, None when the build cannot load it."""
    probe = subprocess.run([env.KGREC, *LOAD_COMMAND[dataset], "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        notes.append(f"{dataset}: `kgrec {' '.join(LOAD_COMMAND[dataset])}` is not in this build — kgrec "
                     "trains with --from-graph on a GraphData read from the source files")
        return None
    env.fresh_database(settings)
    loaded = subprocess.run([env.KGREC, *LOAD_COMMAND[dataset]], env=cli_env, capture_output=True, text=True)
    if loaded.returncode != 0:
        notes.append(f"{dataset}: `kgrec {' '.join(LOAD_COMMAND[dataset])}` failed: {_last(loaded)}")
        return None
    return "neo4j"


def _train(model: str, dataset: str, plan: Plan, cli_env: dict, source, notes: list[str]):
    runs_root = Path(cli_env.get("KGREC_RUNS_DIR") or PROJECT_ROOT / "runs")   # where `kgrec train` writes
    before = set(runs_root.glob("*")) if runs_root.exists() else set()
    train_env = cli_env | {"KGREC_TRAIN_EPOCHS": str(plan.kgrec_epochs.get(model, 100)),
                           "KGREC_TRAIN_DATASET": TRAIN_DATASET[dataset], "KGREC_TRAIN_THREADS": str(plan.threads),
                           "OMP_NUM_THREADS": str(plan.threads)}
    started = time.perf_counter()
    command = ["nice", "-n", "10", env.KGREC, "train", "--model", model]
    command += [] if source == "neo4j" else ["--from-graph", str(source)]
    done = subprocess.run(command, env=train_env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    new = sorted(p for p in set(runs_root.glob("*")) - before if (p / "metrics.json").exists())
    if done.returncode != 0 or not new:
        notes.append(f"{dataset}: `kgrec train --model {model}` failed: {_last(done)}")
        (PROJECT_ROOT / "benchmarks" / ".work" / f"kgrec-train-{dataset}-{model}.log").write_text(
            done.stdout + done.stderr)
        return None, None
    metrics = json.loads((new[-1] / "metrics.json").read_text())
    metrics["process_wall_s"] = elapsed
    metrics["run_id"] = new[-1].name
    return metrics, new[-1]


def _kgrec_time_to_best(metrics: dict) -> tuple[float | None, str]:
    for key in ("time_to_best_seconds", "time_to_best_s", "best_wall_seconds"):
        if metrics.get(key) is not None:
            return float(metrics[key]), ""
    history = metrics.get("history") or []
    best = metrics.get("best_epoch")
    for record in history:
        if record.get("epoch") == best and "seconds" in record:
            return float(record["seconds"]), ""
    if metrics.get("wall_seconds") is not None:
        return float(metrics["wall_seconds"]), "kgrec figure is total training time (time to best not recorded)"
    return None, "no timing in metrics.json"


def _metric(block: dict, name: str) -> float | None:
    for key, value in (block or {}).items():
        if key.lower().replace("_", "@") == name:
            return float(value)
    return None


# -- RecBole ----------------------------------------------------------------------------------
def _recbole_side(rb_name: str, plan: Plan, work: Path, notes: list[str]) -> dict[str, dict]:
    if not RECBOLE_PY.exists():
        notes.append("RecBole venv missing: run benchmarks/recbole/setup.sh")
        return {}
    results: dict[str, dict] = {}
    for model in plan.recbole_models:
        out = work / "recbole"
        cmd = ["nice", "-n", "10", str(RECBOLE_PY), str(RUNNER), "--data-root", str(work / "atomic"),
               "--dataset", rb_name, "--models", model, "--epochs", str(plan.recbole_epochs.get(model, 300)),
               "--threads", str(plan.threads), "--out", str(out)]
        log = work / f"recbole-{model}.log"
        with log.open("w") as handle:
            subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT,
                           env=os.environ | {"OMP_NUM_THREADS": str(plan.threads)})
        path = out / f"{model}.json"
        result = json.loads(path.read_text()) if path.exists() else {"status": "failed", "error": "no output"}
        if result.get("status") != "ok":
            notes.append(f"RecBole {model} not run: {result.get('error', '?')} (log: {log.name})")
            continue
        results[model] = result
    return results


# -- rows -------------------------------------------------------------------------------------
def _rows(section: str, kgrec: dict[str, dict], recbole: dict[str, dict]) -> list[Row]:
    rows: list[Row] = []
    best_rb = max(recbole, key=lambda m: recbole[m]["test"].get("ndcg@10", 0), default=None)
    best_kg = max(kgrec, key=lambda m: _metric(kgrec[m].get("test"), "ndcg@10") or 0, default=None)
    for name in METRICS:
        label = name.replace("recall", "Recall").replace("ndcg", "NDCG")
        kg = _metric(kgrec[best_kg]["test"], name) if best_kg else None
        rb = recbole[best_rb]["test"].get(name) if best_rb else None
        rows.append(Row(section, f"{label}: best kgrec ({best_kg or '—'}) vs best RecBole", kg, rb,
                        f"RecBole {best_rb or '—'}", note="" if kg is not None else _why(kgrec, recbole)))
    rows += _time_rows(section, kgrec, recbole, best_kg)
    for kg_model, rb_model in KGREC_TO_RECBOLE.items():
        kg = _metric(kgrec[kg_model]["test"], "ndcg@10") if kg_model in kgrec else None
        rb = recbole[rb_model]["test"].get("ndcg@10") if rb_model in recbole else None
        rows.append(Row(section, f"NDCG@10: kgrec {kg_model} vs RecBole {rb_model}", kg, rb, f"RecBole {rb_model}",
                        note="" if kg is not None and rb is not None else _why(kgrec, recbole)))
    for rb_model in recbole:
        if rb_model not in KGREC_TO_RECBOLE.values() and best_kg:
            rows.append(Row(section, f"NDCG@10: best kgrec ({best_kg}) vs RecBole {rb_model}",
                            _metric(kgrec[best_kg]["test"], "ndcg@10"), recbole[rb_model]["test"].get("ndcg@10"),
                            f"RecBole {rb_model}"))
    return rows


def _time_rows(section: str, kgrec: dict, recbole: dict, best_kg: str | None) -> list[Row]:
    kg_time, note = _kgrec_time_to_best(kgrec[best_kg]) if best_kg else (None, _why(kgrec, recbole))
    rows = []
    for rb_model in ("KGAT", "KGIN"):
        rb = recbole.get(rb_model, {}).get("time_to_best_s")
        rows.append(Row(section, f"wall time to best validation: best kgrec ({best_kg or '—'}) vs RecBole {rb_model}",
                        kg_time, rb, f"RecBole {rb_model}", unit="s", higher_is_better=False,
                        note=note if rb is not None else f"RecBole {rb_model} not run"))
    return rows


def _why(kgrec: dict, recbole: dict) -> str:
    if not kgrec:
        return "kgrec training not available in this build"
    if not recbole:
        return "RecBole not run"
    return "model not run"


def _fallback_graph(dataset: str, notes: list[str]):
    if dataset != "ml-100k":
        return None, None
    from harness.atomic_graph import read_atomic

    try:
        from kgrec.train.split import make_split
    except ImportError:
        notes.append("kgrec.train.split not in this build — no split")
        return None, None
    graph = read_atomic(env.ML100K_DIR, "ml-100k")
    notes.append("ml-100k: graph read from the RecBole atomic files (no Neo4j export in this build), "
                 "split by kgrec.train.split.make_split(seed 2020)")
    return graph, make_split(graph, 2020)


def _last(done: subprocess.CompletedProcess) -> str:
    text = (done.stderr or done.stdout or "").strip().splitlines()
    return text[-1][:200] if text else f"exit {done.returncode}"
