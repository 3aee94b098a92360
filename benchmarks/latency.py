"""Top-10 hybrid recommendation latency (Cypher: vector index + graph filters + exact re-scoring)
against numpy brute-force top-k over the same vectors in-process, at ml-100k size (943 users,
1,682 items), 50k and (full run) 500k items; 1 and 16 concurrent clients vs the same numbers of numpy
threads; recall@10 of the hybrid answers against the exact top-10; plus
50 concurrent clients (errors, throughput).

Data: the synthetic clustered world of tests/serve_fixtures.py (64-d embeddings, genres, KG links,
friends). "Hybrid" = unseen items of one genre (the user's most frequent genre), the filter the
numpy baseline applies too. Prints one JSON line; `--json OUT` also writes it.

    KGREC_INSTANCE=bench KGREC_BOLT_PORT=... .venv/bin/python benchmarks/latency.py [--quick] \
        [--size "5000 items:500:5000" ...] [--clients 0] [--concurrency 1,16] [--duration S]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgrec import migrations  # noqa: E402
from kgrec.db import Graph  # noqa: E402
from kgrec.maintenance import wipe_data  # noqa: E402
from kgrec.serve import recommend, writeback  # noqa: E402
from kgrec.serve.recommend import Filters  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402
from tests.serve_fixtures import World, load_world, make_run, make_world  # noqa: E402

DIM = 64
K = 10


def favourite_genre(world: World, user: str) -> str:
    return Counter(g for item in world.seen[user] for g in world.genres[item]).most_common(1)[0][0]


def numpy_top_k(items: np.ndarray, user_vec: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    scores = items @ user_vec
    scores = np.where(allowed, scores, -np.inf)
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def measure(graph: Graph, world: World, queries: int) -> dict[str, float]:
    rng = np.random.default_rng(3)
    users = [world.user_keys[i] for i in rng.integers(0, len(world.user_keys), queries)]
    genre_of = {u: favourite_genre(world, u) for u in set(users)}
    item_index = {k: n for n, k in enumerate(world.item_keys)}
    genre_mask = {g: np.array([g in world.genres[k] for k in world.item_keys]) for g in set(genre_of.values())}
    for user in (users * 3)[:300]:  # warm-up: plans compiled, pages cached, the server's JIT warm (see SERVING.md)
        recommend.recommend(graph, world.dataset, user, K, Filters(genre=genre_of[user]))
    cypher, brute, found = [], [], []
    for user in users:
        began = time.perf_counter()
        rows = recommend.recommend(graph, world.dataset, user, K, Filters(genre=genre_of[user]))
        cypher.append(time.perf_counter() - began)
        began = time.perf_counter()
        allowed = genre_mask[genre_of[user]].copy()
        allowed[[item_index[k] for k in world.seen[user]]] = False
        exact = numpy_top_k(world.items, world.users[world.user_keys.index(user)], allowed, K)
        brute.append(time.perf_counter() - began)
        found.append(len({r["key"] for r in rows} & {world.item_keys[n] for n in exact}) / K)
    (c50, c99), (b50, b99) = percentiles(cypher), percentiles(brute)
    return {"cypher_p50": c50, "cypher_p99": c99, "numpy_p50": b50, "numpy_p99": b99,
            "recall": float(np.mean(found))}


def concurrent(world: World, clients: int, duration: float,
               call: Callable[[str], object]) -> dict[str, float]:
    """``clients`` threads calling ``call(user)`` for ``duration`` s: throughput, errors, p50/p99 (ms)."""
    stop, latencies, errors = threading.Event(), [], []

    def client(seed: int) -> None:
        rng = np.random.default_rng(seed)
        while not stop.is_set():
            user = world.user_keys[int(rng.integers(0, len(world.user_keys)))]
            began = time.perf_counter()
            try:
                call(user)
                latencies.append(time.perf_counter() - began)
            except Exception as exc:  # noqa: BLE001 - every failure counts
                errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join()
    p50, p99 = percentiles(latencies) if latencies else (float("nan"), float("nan"))
    return {"requests": len(latencies), "errors": len(errors), "per_s": len(latencies) / duration,
            "p50": p50, "p99": p99}


def numpy_call(world: World) -> Callable[[str], object]:
    """The in-process baseline for one user: brute-force top-K over unseen items."""
    item_index = {k: n for n, k in enumerate(world.item_keys)}
    user_index = {k: n for n, k in enumerate(world.user_keys)}

    def call(user: str) -> object:
        allowed = np.ones(len(world.item_keys), dtype=bool)
        allowed[[item_index[k] for k in world.seen[user]]] = False
        return numpy_top_k(world.items, world.users[user_index[user]], allowed, K)

    return call


def serve_world(graph: Graph, label: str, users: int, items: int, dataset: str = "latbench"):
    """A fresh database holding a synthetic world of this size with its embeddings written back:
    (world, model version)."""
    world = make_world(users=users, items=items, dim=DIM, per_user=20, dataset=dataset, seed=11)
    wipe_data(graph)
    load_world(graph, world, with_text=False)
    with tempfile.TemporaryDirectory() as tmp:
        make_run(Path(tmp), world, f"{dataset}-{label}")
        model = writeback.write_back(graph, f"{dataset}-{label}", runs_dir=Path(tmp))
    return world, model


def run_size(graph: Graph, label: str, users: int, items: int, queries: int) -> dict[str, float]:
    world, model = serve_world(graph, label, users, items)
    result = measure(graph, world, queries)
    result["world"] = world
    result["model"] = model
    return result


def parse_size(text: str) -> tuple[str, int, int]:
    """``LABEL:USERS:ITEMS`` -> (label, users, items)."""
    label, users, items = text.rsplit(":", 2)
    return label, int(users), int(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write {'rows': [...]} here.")
    parser.add_argument("--quick", action="store_true", help="100 queries and 5 s per concurrency figure.")
    parser.add_argument("--size", action="append", type=parse_size, metavar="LABEL:USERS:ITEMS",
                        help="A world to measure (repeatable); default: ml-100k size and 50k items.")
    parser.add_argument("--clients", type=int, default=50, help="Clients of the survival run (0: skip it).")
    parser.add_argument("--concurrency", default="1,16",
                        help="Client counts of the throughput figures, comma-separated (0: none).")
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per concurrency figure.")
    args = parser.parse_args()
    queries = 100 if args.quick else 500
    duration = 5.0 if args.quick else args.duration
    sizes = args.size or [("ml-100k size", 943, 1682), ("50000 items", 5000, 50_000),
                          *([] if args.quick else [("500000 items", 5000, 500_000)])]
    rows = []
    with Graph(load_settings()) as graph:
        migrations.migrate(graph)
        for label, users, items in sizes:
            r = run_size(graph, label, users, items, queries)
            rows.append({"metric": f"top-{K} hybrid recall@{K} against the exact top-{K}, {label}",
                         "kgrec": round(r["recall"], 3), "baseline": 1.0, "baseline_name": "numpy brute force "
                         "(exact)", "unit": "recall", "higher_is_better": True,
                         "note": f"{items} items, genre filter + unseen, {queries} queries"})
            for q in ("p50", "p99"):
                rows.append({"metric": f"top-{K} hybrid latency {q}, {label}", "kgrec": round(r[f"cypher_{q}"], 2),
                             "baseline": round(r[f"numpy_{q}"], 3), "baseline_name": "numpy brute force in-process",
                             "unit": "ms", "higher_is_better": False,
                             "note": f"{items} items, {DIM}-d, genre filter + unseen, {queries} queries; "
                                     f"recall@{K} against the exact top-{K}: {r['recall']:.3f}"})
            world = r["world"]
            kgrec_call = lambda user, w=world: recommend.recommend(graph, w.dataset, user, K)  # noqa: E731
            for clients in [int(c) for c in args.concurrency.split(",") if int(c) > 0]:
                ours = concurrent(world, clients, duration, kgrec_call)
                base = concurrent(world, clients, duration, numpy_call(world))
                for q in ("p50", "p99"):
                    rows.append({"metric": f"top-{K} latency {q}, {clients} client{'s' if clients > 1 else ''}, "
                                           f"{label}", "kgrec": round(ours[q], 2), "baseline": round(base[q], 3),
                                 "baseline_name": f"numpy brute force, {clients} thread(s)", "unit": "ms",
                                 "higher_is_better": False,
                                 "note": f"unseen filter; {ours['requests']} vs {base['requests']} requests in "
                                         f"{duration:.0f} s, {ours['errors']} errors"})
            if not args.clients:
                writeback.drop_version(graph, r["model"].version, force=True)
                continue
            load = concurrent(world, args.clients, duration, kgrec_call)
            base = concurrent(world, args.clients, duration, numpy_call(world))
            rows.append({"metric": f"throughput, {args.clients} concurrent clients for {duration:.0f} s, {label}",
                         "kgrec": round(load["per_s"], 1), "baseline": round(base["per_s"], 1),
                         "baseline_name": f"numpy brute force, {args.clients} thread(s)", "unit": "requests/s",
                         "higher_is_better": True,
                         "note": f"{load['requests']} requests, {load['errors']} errors (numpy: {base['errors']})"})
            writeback.drop_version(graph, r["model"].version, force=True)
        wipe_data(graph)
    out = {"rows": rows}
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
