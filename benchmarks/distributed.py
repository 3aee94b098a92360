"""DistDGL training (``kgrec train --distributed``) on one host: 1 and 2 partitions vs single-process LightGCN.

Reads a recorded ml-100k LightGCN run (its graph/, split.npz and config.json; read only), trains the same
LightGCN settings with DGL's distributed engine for every ``--parts`` value (one DGL server + one trainer
per partition, each partition in its own /dev/shm; needs root) on the run's exact split, and compares test
NDCG@10 with the single-process figure: the recorded run's (``--baseline recorded``, default) or a fresh
single-process run with the distributed runs' inputs (id embeddings, no text: ``--baseline rerun``).
Wall time is the whole job (partitioning, process start, training, validation, recording the run).

    .venv/bin/python benchmarks/distributed.py --run RUN_DIR --json OUT.json [--parts 1,2] [--epochs 100]

It prints and writes the harness's row contract (metric, kgrec, baseline, unit, …).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOLERANCE = 0.03


def distributed_point(data, split, config, parts: int, part_method: str, root: Path) -> dict:
    from kgrec.train.distributed import train_distributed

    config = replace(config, distributed=True, parts=parts, part_method=part_method, use_text=False)
    started = time.perf_counter()
    run_dir, metrics = train_distributed(data, config, root, split)
    return {"mode": f"distributed {parts} part{'s' if parts > 1 else ''}", "parts": parts,
            "wall_seconds": time.perf_counter() - started, "test_ndcg@10": metrics["test"]["ndcg@10"],
            "test_recall@20": metrics["test"]["recall@20"], "best_epoch": metrics["best_epoch"],
            "epochs_run": metrics["epochs_run"], "job_seconds": metrics["distributed"]["job_seconds"],
            "partition_seconds": metrics["distributed"]["partition_seconds"],
            "trainer_seconds": [t["seconds"] for t in metrics["distributed"]["trainers"]],
            "train_edges": [t["train_edges"] for t in metrics["distributed"]["trainers"]], "run_dir": str(run_dir)}


def single_point(run: Path, data, split, config, rerun: bool, root: Path) -> dict:
    """The single-process LightGCN figure: recorded in ``run`` or trained again without text."""
    if not rerun:
        metrics = json.loads((run / "metrics.json").read_text())
        return {"mode": "single-process (recorded run)", "wall_seconds": metrics["wall_seconds"],
                "test_ndcg@10": metrics["test"]["ndcg@10"], "test_recall@20": metrics["test"]["recall@20"],
                "best_epoch": metrics["best_epoch"], "epochs_run": metrics["epochs_run"],
                "use_text": json.loads((run / "config.json").read_text()).get("use_text"), "run_dir": str(run)}
    from kgrec.train.trainer import train_new

    config = replace(config, use_text=False, sampler="full", distributed=False)
    started = time.perf_counter()
    run_dir, metrics = train_new(data, config, root, None, split)
    return {"mode": "single-process (rerun, no text)", "wall_seconds": time.perf_counter() - started,
            "test_ndcg@10": metrics["test"]["ndcg@10"], "test_recall@20": metrics["test"]["recall@20"],
            "best_epoch": metrics["best_epoch"], "epochs_run": metrics["epochs_run"], "use_text": False,
            "run_dir": str(run_dir)}


def contract_rows(single: dict, points: list[dict]) -> list[dict]:
    """Test NDCG@10 of each distributed run vs single-process; wall time of every part count vs 1 part."""
    rows = []
    for point in points:
        ratio = point["test_ndcg@10"] / single["test_ndcg@10"]
        rows.append({"metric": f"test NDCG@10, {point['mode']} vs {single['mode']}", "kgrec": point["test_ndcg@10"],
                     "baseline": single["test_ndcg@10"], "baseline_name": "single-process LightGCN", "unit": "",
                     "higher_is_better": True,
                     "note": f"{'within' if ratio >= 1 - TOLERANCE else 'NOT within'} {TOLERANCE:.0%}; best epoch "
                             f"{point['best_epoch']} of {point['epochs_run']} (single: {single['best_epoch']} of "
                             f"{single['epochs_run']})"})
    one = next((p for p in points if p["parts"] == 1), None)
    for point in points:
        if one is not None and point is not one:
            rows.append({"metric": f"wall time, {point['mode']} vs 1 part", "kgrec": point["wall_seconds"],
                         "baseline": one["wall_seconds"], "baseline_name": "distributed 1 part", "unit": "s",
                         "higher_is_better": False,
                         "note": f"{point['epochs_run']} vs {one['epochs_run']} epochs; trainer seconds "
                                 f"{point['trainer_seconds']} vs {one['trainer_seconds']}"})
    for point in points:
        rows.append({"metric": f"wall time, {point['mode']} vs {single['mode']}", "kgrec": point["wall_seconds"],
                     "baseline": single["wall_seconds"], "baseline_name": "single-process LightGCN", "unit": "s",
                     "higher_is_better": False, "note": "2 cores shared by every process of the job"})
    return rows


def newest_lightgcn_run(mode: str) -> Path:
    """The newest finished single-process ml100k LightGCN run of the harness (accuracy / encoders sections)."""
    found = [p.parent for p in (ROOT / "benchmarks" / ".work" / mode).glob("*/runs/*-ml100k-lightgcn/metrics.json")
             if not json.loads((p.parent / "config.json").read_text()).get("distributed")]
    if not found:
        raise SystemExit(f"no ml100k LightGCN run under benchmarks/.work/{mode}/: run the accuracy-ml100k or "
                         "encoders-ml100k section first, or pass --run")
    return max(found, key=lambda p: p.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a recorded single-process LightGCN run directory (default: the "
                        "newest ml100k LightGCN run the harness recorded under benchmarks/.work/<full|quick>/)")
    parser.add_argument("--quick", action="store_true", help="at most 5 epochs")
    parser.add_argument("--parts", default="1,2")
    parser.add_argument("--part-method", default="metis")
    parser.add_argument("--epochs", type=int, help="maximum epochs (default: the run's)")
    parser.add_argument("--baseline", choices=("recorded", "rerun"), default="recorded")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from kgrec.train.trainer import load_run

    args.run = args.run or newest_lightgcn_run("quick" if args.quick else "full")
    data, config, split = load_run(args.run)
    epochs = args.epochs or (5 if args.quick else None)
    config = replace(config, threads=1, **({"epochs": epochs} if epochs else {}))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="kgrec-dist-bench-") as tmp:
        single = single_point(args.run, data, split, config, args.baseline == "rerun", Path(tmp))
        recorded = single if args.baseline == "recorded" else single_point(args.run, data, split, config, False,
                                                                            Path(tmp))
        print(json.dumps(single), flush=True)
        points = []
        for parts in (int(p) for p in args.parts.split(",")):
            points.append(distributed_point(data, split, config, parts, args.part_method, Path(tmp)))
            print(json.dumps(points[-1]), flush=True)
    rows = contract_rows(single, points)
    if recorded is not single:
        rows += [row for row in contract_rows(recorded, points) if row["metric"].startswith("test NDCG@10")]
    result = {"rows": rows, "points": [*{id(p): p for p in (single, recorded)}.values(), *points],
              "load_before": load_before,
              "load_after": os.getloadavg()[0]}
    for row in result["rows"]:
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
