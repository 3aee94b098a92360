"""Full-graph vs neighbour-sampled LightGCN training as the graph grows: peak RSS and epoch time.

For each size (events; users = events / 50, items = events / 100, Zipf item popularity, 4 KG entities per
item — the synthetic world's proportions) and each mode, a fresh subprocess builds the graph and the model
(no Neo4j: the rows are generated in numpy, as an export would hand them over), trains ``--batches``
batches of the real trainer (2,048 pairs, 64 negatives, softmax loss, 64-d, 2 layers) and reports its
peak resident memory (``ru_maxrss``) and seconds per batch; the epoch time is seconds per batch × batches
per epoch (80% of the events are training pairs). Run it on a quiet machine, through the harness
(`benchmarks/run --only sampled-growth`) or alone:

    .venv/bin/python benchmarks/sampled_growth.py --json OUT.json [--quick] [--sizes 500000,5000000,20000000]

It writes the harness's row contract (sampled figure vs full-graph figure per size) and the plot
benchmarks/img/<full|quick>/sampled-growth.png.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = {"full": {"sampler": "full"}, "sampled 15,10": {"sampler": "neighbor", "fanouts": "15,10"}}


def synthetic_graph(events: int, seed: int = 0):
    """A GraphData with the synthetic world's proportions, built in numpy."""
    import numpy as np

    from kgrec.data import GraphData

    rng = np.random.default_rng(seed)
    users, items, entities = max(events // 50, 10), max(events // 100, 10), max(events // 200, 4)
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    pairs = np.stack([rng.integers(0, users, events), rng.choice(items, events, p=popularity / popularity.sum())], 1)
    pairs = np.unique(pairs, axis=0)
    kg = np.stack([np.repeat(np.arange(items), 4), rng.integers(0, entities, items * 4)], 1)
    keys = {"User": np.array([f"s:u{i}" for i in range(users)]), "Item": np.array([f"s:i{i}" for i in range(items)]),
            "Entity": np.array([f"s:e{i}" for i in range(entities)])}
    return GraphData("growth", keys, pairs.astype(np.int64), np.ones(len(pairs), np.float32),
                     np.arange(len(pairs), dtype=np.int64), np.full(len(pairs), -1, np.int8),
                     {("Item", "HAS_TAG", "Entity"): np.unique(kg, axis=0).astype(np.int64)}, {"HAS_TAG": "tag"})


def measure_one(events: int, mode: str, batches: int) -> dict:
    """In this process: build, train ``batches`` batches, report."""
    import numpy as np
    import torch

    from kgrec.models.config import load_config
    from kgrec.train.split import make_split
    from kgrec.train.trainer import Trainer, prepare_run

    torch.set_num_threads(1)
    began = time.perf_counter()
    data = synthetic_graph(events)
    config = load_config({"model": "lightgcn", "use_text": False, "epochs": 1, **MODES[mode]}, env={})
    split = make_split(data, 0)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        run_dir, split = prepare_run(data, config, Path(tmp), split)
        trainer = Trainer(data, config, run_dir, split)
        built = time.perf_counter() - began
        trainer.model.train()
        seconds, done = 0.0, 0
        for batch in trainer.batches(np.random.default_rng(0)):
            started = time.perf_counter()
            trainer.optimizer.zero_grad()
            trainer.model.loss(batch).backward()
            trainer.optimizer.step()
            seconds += time.perf_counter() - started
            done += 1
            if done == batches:
                break
    per_epoch = int(np.ceil(len(split.train) / config.batch_size))
    return {"events": events, "pairs": int(len(data.interactions)), "nodes": int(data.num_users + data.num_items),
            "mode": mode, "batches_timed": done, "seconds_per_batch": seconds / done,
            "epoch_seconds": seconds / done * per_epoch, "batches_per_epoch": per_epoch, "build_seconds": built,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="events per synthetic graph (default 500000,5000000,20000000; "
                        "--quick: 100000,500000)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--batches", type=int, default=20, help="batches timed per size and mode")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--one", nargs=2, metavar=("EVENTS", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(int(args.one[0]), args.one[1], args.batches)))
        return
    rows = []
    load_before = os.getloadavg()[0]
    sizes = args.sizes or ("100000,500000" if args.quick else "500000,5000000,20000000")
    for events in (int(s) for s in sizes.split(",")):
        for mode in MODES:
            command = [sys.executable, __file__, "--batches", str(args.batches), "--one", str(events), mode]
            done = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"OMP_NUM_THREADS": "1"})
            row = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else \
                {"events": events, "mode": mode, "error": (done.stderr.strip().splitlines() or ["?"])[-1][:300]}
            print(json.dumps(row), flush=True)
            rows.append(row)
    result = {"rows": contract_rows(rows, args.batches), "points": rows, "load_before": load_before,
              "load_after": os.getloadavg()[0]}
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    plot(rows, args.plot or ROOT / "benchmarks" / "img" / ("quick" if args.quick else "full") / "sampled-growth.png")


def contract_rows(points: list[dict], batches: int) -> list[dict]:
    """Per size: epoch time and peak RSS, sampled (kgrec figure) against full graph (baseline)."""
    by = {(p["events"], p["mode"]): p for p in points}
    rows = []
    for events in sorted({p["events"] for p in points}):
        full, sampled = by.get((events, "full"), {}), by.get((events, "sampled 15,10"), {})
        note = f"{sampled.get('batches_per_epoch', '?')} batches per epoch, {batches} timed; " \
               f"{full.get('pairs', 0):,} pairs, {full.get('nodes', 0):,} users+items"
        for metric, key, unit in (("epoch time (1 thread)", "epoch_seconds", "s"), ("peak RSS", "peak_rss_mib", "MiB")):
            rows.append({"metric": f"{events:,} events: {metric}, sampled 15,10 vs full graph",
                         "kgrec": sampled.get(key), "baseline": full.get(key), "baseline_name": "full-graph LightGCN",
                         "unit": unit, "higher_is_better": False,
                         "note": note if key == "epoch_seconds" else (sampled.get("error") or full.get("error") or "")})
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for mode in MODES:
        ok = [r for r in rows if r["mode"] == mode and "error" not in r]
        left.plot([r["events"] for r in ok], [r["peak_rss_mib"] for r in ok], "o-", label=mode)
        right.plot([r["events"] for r in ok], [r["epoch_seconds"] for r in ok], "o-", label=mode)
    for ax, label in ((left, "peak RSS (MiB)"), (right, "epoch time (s, 1 thread)")):
        ax.set(xscale="log", yscale="log", xlabel="events", ylabel=label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("LightGCN training: full graph vs neighbour-sampled blocks")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
