"""Export throughput: kgrec.export (batched collect() -> numpy) vs the raw driver, record by record.

Both sides fetch the same rows (a dataset's INTERACTED events and KG triples) from the same
server. Prints one JSON line. Load a dataset first, e.g. ``kgrec load ml100k``, then:

    python benchmarks/export_vs_driver.py --dataset ml100k [--repeat 3] [--batch-size 20000]
"""

from __future__ import annotations

import argparse
import json
import time

from kgrec.cypher import statement
from kgrec.db import Graph
from kgrec.export import export_graph
from kgrec.settings import load_settings


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="ml100k")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=20000)
    args = parser.parse_args()
    with Graph(load_settings()) as graph:
        best_export, best_driver, rows_export, rows_driver = float("inf"), float("inf"), 0, 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = export_graph(graph, args.dataset, args.batch_size)
            best_export = min(best_export, time.perf_counter() - start)
            rows_export = len(data.interactions) + sum(len(v) for v in data.kg.values())
            start = time.perf_counter()
            rows_driver = per_record(graph, args.dataset)
            best_driver = min(best_driver, time.perf_counter() - start)
    print(json.dumps({
        "dataset": args.dataset, "rows": rows_export, "rows_driver": rows_driver,
        "export_seconds": round(best_export, 3), "export_rows_per_s": round(rows_export / best_export),
        "driver_seconds": round(best_driver, 3), "driver_rows_per_s": round(rows_driver / best_driver),
        "speedup": round(best_driver / best_export, 2),
        "note": "export also fetches all node keys + texts and maps endpoints to indices; best of --repeat",
    }))


if __name__ == "__main__":
    main()
