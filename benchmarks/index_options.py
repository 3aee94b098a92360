"""Vector-index options against exactness and latency (issue 15): for each option set, rebuild the model's
index, then compare (a) today's statement (index over-fetch + exact Cypher re-scoring) with (b) ordering by the
index score alone (no Cypher arithmetic): recall@10 against numpy's exact top-10 over unseen items, and p50 ms.

    KGREC_INSTANCE=bench KGREC_BOLT_PORT=7723 KGREC_HTTP_PORT=7724 .venv/bin/python benchmarks/index_options.py \
        [--size "50k items:5000:50000"] [--queries 200] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latency import K, numpy_top_k, parse_size, serve_world  # noqa: E402
from serving_profile import load_average, wait_quiet  # noqa: E402

from kgrec import migrations  # noqa: E402
from kgrec.cypher import statement  # noqa: E402
from kgrec.db import Graph  # noqa: E402
from kgrec.maintenance import wipe_data  # noqa: E402
from kgrec.serve import writeback  # noqa: E402
from kgrec.serve.recommend import FETCH_FACTOR, MIN_FETCH, Filters  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402

OPTION_SETS = {
    "default (quantized, m 16, ef 100)": {},
    "unquantized": {"vector.quantization.enabled": False},
    "unquantized, m 32, ef 200": {"vector.quantization.enabled": False, "vector.hnsw.m": 32,
                                  "vector.hnsw.ef_construction": 200},
}
# the shipped statement with the Cypher re-scoring replaced by the index score
INDEX_ORDER = statement("recommend/top_k").replace(
    "YIELD node AS i\nWITH m, u, uv, i\n", "YIELD node AS i, score AS sim\nWITH m, u, uv, i, sim\n").replace(
    "WITH m, i, uv, i[m.property] AS iv\nWITH m, i, reduce(s = 0.0, j IN range(0, size(uv) - 1) | s + uv[j] * iv[j]) "
    "AS score\n", "WITH m, i, sim AS score\n")
assert "reduce(" not in INDEX_ORDER and "score AS sim" in INDEX_ORDER, "recommend/top_k changed: update INDEX_ORDER"


def rebuild_index(graph: Graph, model, options: dict) -> None:
    graph.query(f"DROP INDEX `{model.index}` IF EXISTS")
    config = {"vector.dimensions": model.dim, "vector.similarity_function": "cosine", **options}
    graph.query(f"CREATE VECTOR INDEX `{model.index}` FOR (n:Item) ON (n.`{model.property}`) "
                "OPTIONS {indexConfig: $config}", config=config)
    graph.query("CALL db.awaitIndexes(600)")


def measure(graph: Graph, world, text: str, users: list[str]) -> tuple[float, float]:
    """(mean recall@10 vs the exact unseen top-10, p50 ms) for one statement text."""
    item_index = {k: n for n, k in enumerate(world.item_keys)}
    user_index = {k: n for n, k in enumerate(world.user_keys)}
    recalls, times = [], []
    with graph.session() as sess:
        for user in users[:50]:
            sess.run(text, params(world, user)).data()
        for user in users:
            began = time.perf_counter()
            rows = sess.run(text, params(world, user)).data()
            times.append((time.perf_counter() - began) * 1000)
            allowed = np.ones(len(world.item_keys), bool)
            allowed[[item_index[k] for k in world.seen[user]]] = False
            exact = {world.item_keys[i] for i in numpy_top_k(world.items, world.users[user_index[user]], allowed, K)}
            recalls.append(len(exact & {r["key"] for r in rows}) / K)
    return round(float(np.mean(recalls)), 4), round(float(np.median(times)), 3)


def params(world, user: str) -> dict:
    return {"dataset": world.dataset, "user_key": user, "version": None, "k": K,
            "fetch": max(MIN_FETCH, FETCH_FACTOR * K), **Filters().params()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=("50k items", 5000, 50_000), metavar="LABEL:USERS:ITEMS")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    label, users, items = args.size
    rows = []
    with Graph(load_settings()) as graph:
        migrations.migrate(graph)
        world, model = serve_world(graph, label, users, items, dataset="idxbench")
        rng = np.random.default_rng(5)
        sample = [world.user_keys[i] for i in rng.integers(0, len(world.user_keys), args.queries)]
        for name, options in OPTION_SETS.items():
            rebuild_index(graph, model, options)
            before = wait_quiet()
            exact_recall, exact_ms = measure(graph, world, statement("recommend/top_k"), sample)
            index_recall, index_ms = measure(graph, world, INDEX_ORDER, sample)
            rows.append({"options": name, "items": items, "recall@10 re-scored": exact_recall,
                         "p50 ms re-scored": exact_ms, "recall@10 index order": index_recall,
                         "p50 ms index order": index_ms, "load": [before, load_average()]})
            print(json.dumps(rows[-1]), flush=True)
        writeback.drop_version(graph, model.version, force=True)
        wipe_data(graph)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
