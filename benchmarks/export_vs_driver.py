"""Export throughput: kgrec.export (batched collect() -> numpy) vs the raw driver, record by record.

Both sides fetch the same rows (a dataset's INTERACTED events and KG triples) from the same
server. Prints one JSON line. Load a dataset first, e.g. ``kgrec load ml100k``, then:

    python benchmarks/export_vs_driver.py --dataset ml100k [--repeat 3] [--batch-size 20000]

Harness contract (benchmarks/README.md): ``--json OUT [--quick] [--scale X]``. With ``--scale X`` the
script loads (idempotently) a synthetic dataset ``synthetic_x<X>`` of X times ml-100k's size and
measures that; without it, ml100k is loaded first when it is not in the database yet.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kgrec.cypher import add_directory, statement
from kgrec.db import Graph
from kgrec.export import export_graph
from kgrec.ingest.loader import load_plan
from kgrec.ingest.validate import validate
from kgrec.settings import load_settings

add_directory(Path(__file__).resolve().parent / "cypher")   # the per-record baselines (export/*_per_record)


def per_record(graph: Graph, dataset: str) -> int:
    """The naive way: one driver Record per row, values appended to Python lists."""
    rows = 0
    columns: list[list] = [[], [], [], [], []]
    with graph.session() as sess:
        for name, params in (("export/events_per_record", {"prefix": f"{dataset}:"}),
                             ("export/triples_per_record", {"dataset": dataset})):
            for record in sess.run(statement(name), params):
                for col, value in zip(columns, record.values(), strict=True):
                    col.append(value)
                rows += 1
    return rows


def ensure_dataset(graph: Graph, dataset: str, scale: float | None) -> str:
    """Load the measured dataset when it is missing; returns its name."""
    if scale is not None:
        dataset = "synthetic_x" + f"{scale:g}".replace(".", "_")
    if dataset in {r["name"] for r in graph.run("load/datasets")}:
        return dataset
    if scale is not None:
        from kgrec.ingest.synthetic import generate

        raw = generate(int(943 * scale), int(1682 * scale), int(100_000 * scale), 7, dataset)
    else:
        from kgrec import datasets
        from kgrec.ingest.recbole import read_dataset

        raw = read_dataset(datasets.resolve("ml100k", graph.settings), "ml-100k", dataset)
    load_plan(graph, validate(raw), show_progress=False)
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml100k")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=20000)
    parser.add_argument("--json", type=Path, help="Also write the harness's {'rows': [...]} here.")
    parser.add_argument("--quick", action="store_true", help="One repetition instead of --repeat.")
    parser.add_argument("--scale", type=float, help="Measure a synthetic graph of this many times ml-100k.")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 1
    with Graph(load_settings()) as graph:
        args.dataset = ensure_dataset(graph, args.dataset, args.scale)
        best_export, best_driver, rows_export, rows_driver = float("inf"), float("inf"), 0, 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = export_graph(graph, args.dataset, args.batch_size)
            best_export = min(best_export, time.perf_counter() - start)
            rows_export = len(data.interactions) + sum(len(v) for v in data.kg.values())
            start = time.perf_counter()
            rows_driver = per_record(graph, args.dataset)
            best_driver = min(best_driver, time.perf_counter() - start)
    result = {
        "dataset": args.dataset, "rows": rows_export, "rows_driver": rows_driver,
        "export_seconds": round(best_export, 3), "export_rows_per_s": round(rows_export / best_export),
        "driver_seconds": round(best_driver, 3), "driver_rows_per_s": round(rows_driver / best_driver),
        "speedup": round(best_driver / best_export, 2),
        "note": "export also fetches all node keys + texts and maps endpoints to indices; best of --repeat",
    }
    print(json.dumps(result))
    if args.json:
        label = args.dataset if args.scale is None else f"synthetic {args.scale:g}× ml-100k"
        row = {"metric": f"export rows/s, {label} ({rows_export:,} rows)", "kgrec": result["export_rows_per_s"],
               "baseline": result["driver_rows_per_s"], "baseline_name": "raw driver, record by record",
               "unit": "rows/s", "higher_is_better": True,
               "note": f"events + KG triples; best of {args.repeat}; export also maps ids and fetches texts"}
        args.json.write_text(json.dumps({"rows": [row]}))


if __name__ == "__main__":
    main()
