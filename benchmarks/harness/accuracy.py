"""Accuracy rows: kgrec's models (``kgrec train``) vs RecBole 1.2.1 on one identical split.

The split is kgrec's own: after the first ``kgrec train`` run, its ``runs/<id>/graph`` (the GraphData
exported from Neo4j) and ``runs/<id>/split.npz`` are written as RecBole pre-split atomic files, so both
systems train and test on exactly the same interactions. Each system's "best" model is the one with
the highest *validation* NDCG@10; test figures are reported for it.

With ``resume`` a model whose result is already in the work folder (same epoch cap) is not trained
again, so an interrupted full run continues where it stopped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness import env
from harness.report import Row
from kgrec.data import GraphData
from kgrec.train.split import load_split

sys.path.insert(0, str(env.ROOT / "benchmarks" / "recbole"))
from write_atomic import write_atomic  # noqa: E402

RECBOLE_PY = env.ROOT / "benchmarks" / ".work" / "recbole-venv" / "bin" / "python"
RUNNER = env.ROOT / "benchmarks" / "recbole" / "run_recbole.py"
METRICS = ("recall@10", "ndcg@10", "recall@20", "ndcg@20")
KGREC_TO_RECBOLE = {"pop": "Pop", "bprmf": "BPR", "lightgcn": "LightGCN", "kgat": "KGAT"}
KG_MODELS = ("kgat", "kglightgcn", "sage")    # kgrec's KG/text models, compared with kgrec's own LightGCN
SAGE_COLD_DROPOUT = 0.2                         # sage's default cold_dropout and cold_scale (kgrec.models.config)
SAGE_COLD_SCALE = 0.8
ABLATIONS = {"-nokg": ["--no-kg"], "-notext": ["--no-text"]}  # variant suffix -> `kgrec train` flags
# variant option -> training settings (as KGREC_TRAIN_* env); "+cl": XSimGCL-style contrastive loss
OPTIONS = {"+cl": {"KGREC_TRAIN_CL_WEIGHT": "0.1"}, "+tower": {"KGREC_TRAIN_COLD_TOWER": "1"},
           "+gat": {"KGREC_TRAIN_CONV": "gat"}, "+sage": {"KGREC_TRAIN_CONV": "sage"},
           "+rgcn": {"KGREC_TRAIN_CONV": "rgcn"}}
TRAIN_DATASET = {"ml-100k": "ml100k", "lastfm": "lastfm"}


@dataclass
class Plan:
    kgrec_models: list[str]
    kgrec_epochs: dict[str, int]
    recbole_models: list[str]
    recbole_epochs: dict[str, int]
    threads: int
    resume: bool = False


def run_kg_worth(dataset: str, plan: Plan, work: Path, settings) -> tuple[list[Row], list[str]]:
    """Does the KG earn its place? kgrec's KG/text models against kgrec's own LightGCN with the ablation
    (−KG, −text), plus RecBole's KG models (``plan.recbole_models``) reading the same corrected KG."""
    section = f"KG worth — {dataset} (test set; kgrec's KG/text models vs kgrec LightGCN, one split)"
    notes: list[str] = []
    kgrec_runs, graph, split = kgrec_side(dataset, plan, settings, work, notes)
    rows = _kg_worth_rows(section, kgrec_runs)
    for model in plan.kgrec_models:
        result = kgrec_runs.get(model)
        if result is not None:
            notes.append(f"{dataset}: kgrec {model} — valid NDCG@10 {_kgrec_metric(result, 'valid', 'ndcg@10'):.4f}, "
                         f"test NDCG@10 {_kgrec_metric(result, 'test', 'ndcg@10'):.4f}, best epoch "
                         f"{result.get('best_epoch')} of {result.get('epochs_run')} (run {result.get('run_id')})")
    if plan.recbole_models:
        rb_name = f"{dataset}-split"
        parts = {p: getattr(split, p) for p in ("train", "valid", "test")}
        write_atomic(graph, parts, work / "atomic", rb_name)
        recbole = _recbole_side(rb_name, plan, work, notes)
        best = best_kg_model(kgrec_runs) or "kgat"
        for rb_model in plan.recbole_models:
            rb = _recbole_metric(recbole[rb_model], "test", "ndcg@10") if rb_model in recbole else None
            rows.append(Row(section, f"NDCG@10: kgrec {best} vs RecBole {rb_model} on the same corrected KG",
                            _kgrec_metric(kgrec_runs[best], "test", "ndcg@10") if best in kgrec_runs else None,
                            rb, f"RecBole {rb_model}", note="" if rb is not None else "RecBole model not run"))
    notes.append(f"{dataset}: split {split.split_id}")
    return rows, notes


def run(dataset: str, plan: Plan, work: Path, settings) -> tuple[list[Row], list[str]]:
    section = f"Accuracy — {dataset} (test set, one split for every system)"
    notes: list[str] = []
    kgrec_runs, graph, split = kgrec_side(dataset, plan, settings, work, notes)
    rb_name = f"{dataset}-split"
    parts = {p: getattr(split, p) for p in ("train", "valid", "test")}
    manifest = write_atomic(graph, parts, work / "atomic", rb_name)
    notes.append(f"{dataset}: split {split.split_id} — train/valid/test "
                 f"{manifest['rows']['train']}/{manifest['rows']['valid']}/{manifest['rows']['test']} interactions; "
                 f"atomic files in {Path(manifest['dir']).relative_to(env.ROOT)}")
    recbole = _recbole_side(rb_name, plan, work, notes)
    return _rows(section, kgrec_runs, recbole), notes


# -- kgrec ------------------------------------------------------------------------------------
def kgrec_side(dataset: str, plan: Plan, settings, work: Path, notes: list[str],
                train_env: dict[str, str] | None = None):
    """Train (or, resuming, reuse) every kgrec model (``train_env``: KGREC_TRAIN_* settings for all of
    them); return (metrics per model, GraphData, Split)."""
    runs_root = work / "runs"                   # own runs folder: sections may run in parallel
    cli_env = env.cli_env(settings) | {"KGREC_RUNS_DIR": str(runs_root)} | (train_env or {})
    finished = _finished_runs(runs_root, plan) if plan.resume else {}
    if any(m not in finished for m in plan.kgrec_models):
        _load_into_neo4j(dataset, settings)
    results: dict[str, dict] = {}
    graph = split = None
    for model in plan.kgrec_models:
        if model in finished:
            run_dir = finished[model]
            result = json.loads((run_dir / "metrics.json").read_text()) | {"run_id": run_dir.name}
            notes.append(f"{dataset}: kgrec {model} reused from run {run_dir.name} (--resume)")
        else:
            result, run_dir = _train(model, dataset, plan, cli_env, runs_root, notes)
            if result is None:
                continue
        results[model] = result
        if graph is None:
            graph, split = GraphData.load(run_dir / "graph"), load_split(run_dir / "split.npz")
        elif result.get("split_id") != split.split_id:
            notes.append(f"{dataset}: kgrec {model} trained on split {result.get('split_id')}, "
                         f"not {split.split_id} — its rows are not comparable")
            results.pop(model)
    if graph is None:
        raise RuntimeError(f"no kgrec model trained on {dataset}: see the notes")
    return results, graph, split


def _finished_runs(runs_root: Path, plan: Plan) -> dict[str, Path]:
    """The latest finished run per model whose epoch cap matches the plan."""
    found: dict[str, Path] = {}
    for run_dir in sorted(runs_root.glob("*")):
        config, metrics = run_dir / "config.json", run_dir / "metrics.json"
        if not (config.exists() and metrics.exists()):
            continue
        cfg = json.loads(config.read_text())
        name = variant_name(cfg)
        if plan.kgrec_epochs.get(name) == cfg.get("epochs"):
            found[name] = run_dir
    return found


def variant_name(config: dict) -> str:
    """``kglightgcn``, ``kglightgcn+cl``, ``kglightgcn-nokg``, ``kgat+tower+cs70``, ``sage+cd50`` … from a run's
    recorded config (grammar: model, then options: ``+cl``, ``+tower`` (content tower), ``+cdNN``
    (cold_dropout) and ``+csNN`` (cold_scale) of a model with a tower, then the ablation suffixes)."""
    name = config.get("model", "?")
    name += f"+{config.get('conv', 'sage')}" if name == "gnn" else ""
    name += "+cl" if float(config.get("cl_weight") or 0) > 0 else ""
    dropout, scale = float(config.get("cold_dropout") or 0), float(config.get("cold_scale") or 1)
    tower = bool(config.get("cold_tower")) or config.get("model") == "sage"
    if config.get("cold_tower") and config.get("model") != "sage":
        name += "+tower"
    if tower and abs(dropout - SAGE_COLD_DROPOUT) > 1e-9:
        name += f"+cd{round(dropout * 100)}"
    if tower and abs(scale - SAGE_COLD_SCALE) > 1e-9:
        name += f"+cs{round(scale * 100)}"
    if config.get("model") in KG_MODELS:
        name += "" if config.get("use_kg", True) else "-nokg"
        name += "" if config.get("use_text", True) else "-notext"
    return name


def train_command(variant: str) -> list[str]:
    """``kgrec train`` arguments for a variant name (options such as ``+cl`` go through :func:`variant_env`)."""
    flags: list[str] = []
    for suffix, suffix_flags in ABLATIONS.items():
        if variant.endswith(suffix):
            variant, flags = variant.removesuffix(suffix), suffix_flags
    return ["--model", base_model(variant), *flags]


def base_model(variant: str) -> str:
    """``kglightgcn`` for ``kglightgcn+cl-nokg``."""
    return variant.split("+")[0].split("-")[0]


def variant_env(variant: str) -> dict[str, str]:
    """Training settings a variant's options imply (``+cl`` -> KGREC_TRAIN_CL_WEIGHT, ``+cd50`` ->
    KGREC_TRAIN_COLD_DROPOUT=0.5)."""
    found: dict[str, str] = {}
    for option, settings in OPTIONS.items():
        if option in variant:
            found |= settings
    for option, setting in (("cd", "KGREC_TRAIN_COLD_DROPOUT"), ("cs", "KGREC_TRAIN_COLD_SCALE")):
        match = re.search(rf"\+{option}(\d+)", variant)
        if match:
            found[setting] = str(int(match.group(1)) / 100)
    return found


def _load_into_neo4j(dataset: str, settings) -> None:
    """Load into a fresh database through the Python API: kgrec trains from what Neo4j holds."""
    from kgrec.api import Kgrec

    env.fresh_database(settings)
    with Kgrec(settings) as kg:
        kg.load(TRAIN_DATASET[dataset])


def _train(model: str, dataset: str, plan: Plan, cli_env: dict, runs_root: Path, notes: list[str]):
    before = set(runs_root.glob("*")) if runs_root.exists() else set()
    train_env = cli_env | {"KGREC_TRAIN_EPOCHS": str(plan.kgrec_epochs.get(model, 100)),
                           "KGREC_TRAIN_DATASET": TRAIN_DATASET[dataset], "KGREC_TRAIN_THREADS": str(plan.threads),
                           "OMP_NUM_THREADS": str(plan.threads)} | variant_env(model)
    started = time.perf_counter()
    done = subprocess.run(["nice", "-n", "10", env.KGREC, "train", *train_command(model)], env=train_env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    new = sorted(p for p in set(runs_root.glob("*")) - before if (p / "metrics.json").exists())
    if done.returncode != 0 or not new:
        log = runs_root.parent / f"kgrec-train-{model}.log"
        log.write_text(done.stdout + done.stderr)
        notes.append(f"{dataset}: `kgrec train --model {model}` failed: {_last(done)} (log: {log.name})")
        return None, None
    metrics = json.loads((new[-1] / "metrics.json").read_text())
    return metrics | {"process_wall_s": elapsed, "run_id": new[-1].name}, new[-1]


# -- RecBole ----------------------------------------------------------------------------------
def _recbole_side(rb_name: str, plan: Plan, work: Path, notes: list[str]) -> dict[str, dict]:
    if not RECBOLE_PY.exists():
        notes.append("RecBole venv missing: run benchmarks/recbole/setup.sh")
        return {}
    results: dict[str, dict] = {}
    out = work / "recbole"
    for model in plan.recbole_models:
        path, cap = out / f"{model}.json", plan.recbole_epochs.get(model, 300)
        previous = json.loads(path.read_text()) if plan.resume and path.exists() else {}
        if previous.get("status") == "ok" and previous.get("epochs_cap") == cap and previous.get("dataset") == rb_name:
            notes.append(f"RecBole {model} reused from {path.relative_to(env.ROOT)} (--resume)")
            results[model] = previous
            continue
        cmd = ["nice", "-n", "10", str(RECBOLE_PY), str(RUNNER), "--data-root", str(work / "atomic"),
               "--dataset", rb_name, "--models", model, "--epochs", str(cap), "--threads", str(plan.threads),
               "--out", str(out)]
        log = work / f"recbole-{model}.log"
        with log.open("w") as handle:
            subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT,
                           env=os.environ | {"OMP_NUM_THREADS": str(plan.threads)})
        result = json.loads(path.read_text()) if path.exists() else {"status": "failed", "error": "no output"}
        if result.get("status") != "ok":
            notes.append(f"RecBole {model} not run: {result.get('error', '?')} (log: {log.name})")
            continue
        results[model] = result
    return results


# -- rows -------------------------------------------------------------------------------------
def _kgrec_metric(result: dict, split: str, name: str) -> float | None:
    value = (result.get(split) or {}).get(name)
    return None if value is None else float(value)


def _recbole_metric(result: dict, split: str, name: str) -> float | None:
    value = (result.get("valid_best" if split == "valid" else "test") or {}).get(name)
    return None if value is None else float(value)


def _rows(section: str, kgrec: dict[str, dict], recbole: dict[str, dict]) -> list[Row]:
    """Best of each system (chosen on validation NDCG@10) on four test metrics, time to best, and
    each kgrec model beside its RecBole counterpart."""
    systems = [m for m in kgrec if not m.endswith(tuple(ABLATIONS))]   # ablation variants are not candidates
    best_kg = max(systems, key=lambda m: _kgrec_metric(kgrec[m], "valid", "ndcg@10") or 0, default=None)
    best_rb = max(recbole, key=lambda m: _recbole_metric(recbole[m], "valid", "ndcg@10") or 0, default=None)
    why = "" if kgrec and recbole else ("kgrec not trained" if not kgrec else "RecBole not run")
    rows: list[Row] = []
    for name in METRICS:
        label = name.replace("recall", "Recall").replace("ndcg", "NDCG")
        rows.append(Row(section, f"{label}: best kgrec ({best_kg or '—'}) vs best RecBole (chosen on validation)",
                        _kgrec_metric(kgrec[best_kg], "test", name) if best_kg else None,
                        _recbole_metric(recbole[best_rb], "test", name) if best_rb else None,
                        f"RecBole {best_rb or '—'}", note=why))
    kg_time = kgrec[best_kg].get("time_to_best_seconds") if best_kg else None
    for rb_model in ("KGAT", "KGIN"):
        rb_time = recbole.get(rb_model, {}).get("time_to_best_s")
        rows.append(Row(section, f"wall time to best validation: best kgrec ({best_kg or '—'}) vs RecBole {rb_model}",
                        kg_time, rb_time, f"RecBole {rb_model}", unit="s", higher_is_better=False,
                        note="" if rb_time is not None else f"RecBole {rb_model} not run"))
    rows += _kg_worth_rows(section, kgrec)
    pairs = list(KGREC_TO_RECBOLE.items()) + [(best_kg, m) for m in recbole if m not in KGREC_TO_RECBOLE.values()]
    for kg_model, rb_model in pairs:
        kg = _kgrec_metric(kgrec[kg_model], "test", "ndcg@10") if kg_model in kgrec else None
        rb = _recbole_metric(recbole[rb_model], "test", "ndcg@10") if rb_model in recbole else None
        epochs = " / ".join(f"{who} best epoch {r['best_epoch']} of {r['epochs_run']}"
                            for who, r in (("kgrec", kgrec.get(kg_model)), ("RecBole", recbole.get(rb_model))) if r)
        rows.append(Row(section, f"NDCG@10: kgrec {kg_model} vs RecBole {rb_model}", kg, rb, f"RecBole {rb_model}",
                        note=epochs if kg is not None and rb is not None else "model not run"))
    return rows


def best_kg_model(kgrec: dict[str, dict]) -> str | None:
    """The kgrec KG/text model with the highest validation NDCG@10 (ablation variants excluded)."""
    kg_models = [m for m in kgrec if base_model(m) in KG_MODELS and not m.endswith(tuple(ABLATIONS))]
    return max(kg_models, key=lambda m: _kgrec_metric(kgrec[m], "valid", "ndcg@10") or 0, default=None)


def _kg_worth_rows(section: str, kgrec: dict[str, dict]) -> list[Row]:
    """Does the KG earn its place? kgrec's best KG/text model (chosen on validation) against kgrec's own
    LightGCN, and that model against itself without the KG and without text (the ablation)."""
    best = best_kg_model(kgrec)
    if best is None or "lightgcn" not in kgrec:
        return []
    test = {m: _kgrec_metric(r, "test", "ndcg@10") for m, r in kgrec.items()}
    rows = [Row(section, f"NDCG@10: best kgrec KG/text model ({best}, chosen on validation) vs kgrec LightGCN",
                test[best], test["lightgcn"], "kgrec LightGCN", note="target ≥ 1.03×")]
    for suffix, what in (("-nokg", "without the KG"), ("-notext", "without text")):
        if best + suffix in kgrec:
            rows.append(Row(section, f"NDCG@10: kgrec {best} vs the same model {what} (ablation)",
                            test[best], test[best + suffix], f"{best}{suffix}"))
    for option in OPTIONS:
        same_loss = "lightgcn" + option
        if option in best and same_loss in kgrec:
            rows.append(Row(section, f"NDCG@10: kgrec {best} vs kgrec LightGCN with the same {option} loss "
                            "(is it the KG or the loss?)", test[best], test[same_loss], f"kgrec {same_loss}"))
    return rows


def _last(done: subprocess.CompletedProcess) -> str:
    text = (done.stderr or done.stdout or "").strip().splitlines()
    return text[-1][:200] if text else f"exit {done.returncode}"
