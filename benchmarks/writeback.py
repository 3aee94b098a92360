"""Write-back throughput: 64-d vectors/s into Neo4j, against two raw-driver baselines on the same server.

Loads a synthetic clustered world (tests/serve_fixtures.py) into the benchmark instance, then times
the vector-writing phase of `kgrec.serve.writeback` (UNWIND batches through
db.create.setNodeVectorProperty) and `write_back` end to end (users + items + entities, vector index
ONLINE, activation). Baselines, same vectors, same server: the floor of the transfer — a plain list
property set in the same UNWIND batches through the raw driver (also with the batch as
kgrec.db.QuietRows, to show what the driver's eager debug repr costs) — and what a hand-written script
does: one query per vector (timed on the first 2,000). Prints one JSON line; `--json OUT` also writes it.

    KGREC_INSTANCE=bench KGREC_BOLT_PORT=... .venv/bin/python benchmarks/writeback.py [--quick] [--scale X]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgrec import migrations  # noqa: E402
from kgrec.cypher import add_directory, statement  # noqa: E402
from kgrec.db import Graph, QuietRows, vector_rows  # noqa: E402
from kgrec.maintenance import wipe_data  # noqa: E402
from kgrec.serve import writeback  # noqa: E402
from kgrec.serve.vectors import augment_items, max_norm_for  # noqa: E402
from kgrec.serve.versions import WRITERS  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402
from tests.serve_fixtures import load_world, make_run, make_world  # noqa: E402

add_directory(ROOT / "benchmarks" / "cypher")   # benchmark-only statements (bench/…)

DIM = 64
NAIVE_SAMPLE = 2_000


def plain_batches(graph: Graph, keys: list[str], vectors, batch_size: int = writeback.BATCH_SIZE,
                  rows_type: type = list) -> float:
    """Seconds to SET the vectors as a plain list property in UNWIND batches through the raw driver (the
    transfer floor): one managed write transaction per batch, the batch passed as ``rows_type``."""
    text = statement("bench/set_list_property_batch")
    rows = list(vector_rows(keys, vectors, "vec", batch_size))
    began = time.perf_counter()
    with graph.session() as sess:
        for start in range(0, len(rows), batch_size):
            batch = rows_type(rows[start:start + batch_size])
            sess.execute_write(lambda tx, b=batch: tx.run(text, rows=b).consume())
    return time.perf_counter() - began


def one_query_per_vector(graph: Graph, keys: list[str], vectors) -> float:
    """Seconds to write each vector with its own auto-commit query."""
    text = statement("bench/set_list_property_one")
    began = time.perf_counter()
    with graph.session() as sess:
        for key, vec in zip(keys, vectors.tolist(), strict=True):
            sess.run(text, key=key, vec=vec).consume()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write {'rows': [...]} here.")
    parser.add_argument("--quick", action="store_true", help="10k items instead of 50k.")
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply the item/user counts.")
    args = parser.parse_args()
    items = int((10_000 if args.quick else 50_000) * args.scale)
    users = max(100, items // 10)
    world = make_world(users=users, items=items, dim=DIM, per_user=5, dataset="wbbench", seed=7)
    with Graph(load_settings()) as graph, tempfile.TemporaryDirectory() as tmp:
        migrations.migrate(graph)
        wipe_data(graph)
        load_world(graph, world, with_text=False)
        make_run(Path(tmp), world, "wb")
        vectors = augment_items(world.items, max_norm_for(world.items))
        keys = list(world.item_keys)
        plain = plain_batches(graph, keys, vectors)
        quiet = plain_batches(graph, keys, vectors, rows_type=QuietRows)
        naive = one_query_per_vector(graph, keys[:NAIVE_SAMPLE], vectors[:NAIVE_SAMPLE])
        began = time.perf_counter()
        writeback.write_vectors(graph, "Item", "emb_wbbench", keys, vectors)
        raw = time.perf_counter() - began
        began = time.perf_counter()
        model = writeback.write_back(graph, "wb", runs_dir=Path(tmp))
        full = time.perf_counter() - began
        total = len(world.user_keys) + len(world.item_keys) + len(world.entity_keys)
        writeback.drop_version(graph, model.version, force=True)
        wipe_data(graph)
    naive_n = min(NAIVE_SAMPLE, items)
    rows = []
    for name, seconds, n, note in (
            ("raw driver: plain list property, same UNWIND batches", plain, items,
             "the transfer floor: same rows, no vector type, no index"),
            ("raw driver: plain list property, same UNWIND batches, rows with a one-line repr", quiet, items,
             "the floor without neo4j 6.4.1's eager debug-log repr of every parameter (kgrec.db.QuietRows)"),
            ("raw driver: one query per vector", naive, naive_n, f"timed on {naive_n} vectors")):
        rows.append({"metric": f"write-back vector writes, {DIM}-d ({items} items)", "kgrec": round(items / raw),
                     "baseline": round(n / seconds), "baseline_name": name, "unit": "vectors/s",
                     "higher_is_better": True, "note": f"kgrec: UNWIND batches of {writeback.BATCH_SIZE}, "
                                                       f"{WRITERS} write sessions, through "
                                                       f"db.create.setNodeVectorProperty; baseline: {note}"})
    rows.append({"metric": f"write-back end to end, {DIM}-d ({total} vectors)", "kgrec": round(total / full),
                 "baseline": round(items / plain), "baseline_name": "raw driver: plain list property, same UNWIND "
                 "batches", "unit": "vectors/s", "higher_is_better": True,
                 "note": f"kgrec: users+items+entities, vector index ONLINE and activation included ({full:.1f} s); "
                         "issue-5 goal 50,000 vectors/s"})
    out = {"rows": rows}
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
