"""Where a top-10 request's time goes (issue 15, step 1): driver round trip, planning, the vector index,
the filters, the exact re-scoring, the widening loop and result transfer, on the synthetic world of
latency.py at several sizes. Each part is the median difference between two statements that differ by
that part only, all run the way kgrec runs them (one managed read transaction per request).

    KGREC_INSTANCE=bench KGREC_BOLT_PORT=7723 KGREC_HTTP_PORT=7724 .venv/bin/python benchmarks/serving_profile.py \
        [--size "1.7k items:943:1682" ...] [--queries 300] [--json OUT]

Run it on a quiet machine: it prints the load average before and after.
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

from harness.env import load_average, wait_quiet  # noqa: E402
from latency import K, favourite_genre, numpy_call, parse_size, serve_world  # noqa: E402

from kgrec import migrations  # noqa: E402
from kgrec.cypher import statement  # noqa: E402
from kgrec.db import Graph  # noqa: E402
from kgrec.maintenance import wipe_data  # noqa: E402
from kgrec.serve import recommend, writeback  # noqa: E402
from kgrec.serve.recommend import FETCH_FACTOR, MIN_FETCH, Filters  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402

HEAD = """MATCH (m:KgrecModel {dataset: $dataset}) WHERE ($version IS NULL AND m.active) OR m.version = $version
MATCH (u:User {key: $user_key}) WITH m, u, u[m.property] AS uv WHERE uv IS NOT NULL
WITH m, u, uv, sqrt(reduce(s = 0.0, x IN uv | s + x * x)) * m.max_norm AS scale
"""
INDEX = "CALL db.index.vector.queryNodes(m.index, $fetch, uv) YIELD node AS i, score AS sim\n"   # sim unused below
FILTERS = """WITH m, u, uv, scale, i, sim WHERE NOT EXISTS { (u)-[:INTERACTED]->(i) }
  AND ($genre IS NULL OR $genre IN i.genres)
"""
RESCORE = """WITH m, i, scale * (2.0 * vector.similarity.cosine(uv, i[m.property]) - 1.0) AS sim
"""
TOP = "WITH i, sim ORDER BY sim DESC LIMIT $k\n"
STAGES = {
    "model + user lookup": HEAD + "RETURN count(*) AS n",
    "+ vector index": HEAD + INDEX + "RETURN count(*) AS n",
    "+ filters": HEAD + INDEX + FILTERS + "RETURN count(*) AS n",
    "+ exact re-scoring + top-k": HEAD + INDEX + FILTERS + RESCORE + TOP + "RETURN count(*) AS n",
    "+ result rows": HEAD + INDEX + FILTERS + RESCORE + TOP
    + "RETURN i.key AS key, i.id AS id, i.title AS title, i.year AS year, i.genres AS genres, sim AS score",
}


FETCH_SWEEP = (20, 50, 100, 200, 400, 800)


def timed(call, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def median(values: list[float]) -> float:
    return round(float(np.median(values)), 3)


def operators(plan: dict | None, depth: int = 0) -> list[str]:
    """The PROFILE tree flattened: ``operator rows=N hits=M`` per line, children indented."""
    if not plan:
        return []
    args = plan.get("args", {})
    line = (f"{'  ' * depth}{plan.get('operatorType')} rows={plan.get('rows')} hits={plan.get('dbHits')}"
            f" time_ms={round(args.get('Time', 0) / 1e6, 3) if 'Time' in args else 'n/a'}")
    return [line] + [row for child in plan.get("children", []) for row in operators(child, depth + 1)]


def profile_size(graph: Graph, label: str, users: int, items: int, queries: int) -> dict:
    world, model = serve_world(graph, label, users, items, dataset="profbench")
    rng = np.random.default_rng(3)
    users_q = [world.user_keys[i] for i in rng.integers(0, len(world.user_keys), queries)]
    genre = {u: favourite_genre(world, u) for u in set(users_q)}
    fetch = max(MIN_FETCH, FETCH_FACTOR * K)

    def params(user: str) -> dict:
        return {"dataset": world.dataset, "user_key": user, "version": None, "fetch": fetch, "k": K,
                **Filters(genre=genre[user]).params()}

    for user in users_q * max(1, 1000 // len(users_q)):        # JIT warm-up of server and driver
        recommend.recommend(graph, world.dataset, user, K, Filters(genre=genre[user]))
    result: dict = {"items": items, "users": users, "load_before": wait_quiet(1.0, longest=120.0)}
    result["index options"] = graph.query("SHOW VECTOR INDEXES YIELD name, options WHERE name = $name "
                                          "RETURN options.indexConfig AS config", name=model.index)[0]["config"]
    with graph.session() as sess:
        auto = timed(lambda: sess.run("RETURN 1 AS one").consume(), queries)
        managed = timed(lambda: sess.execute_read(lambda tx: tx.run("RETURN 1 AS one").consume()), queries)
    result["driver round trip, auto-commit RETURN 1"] = median(auto)
    result["driver round trip, managed read tx RETURN 1"] = median(managed)

    top_k = statement("recommend/top_k")
    graph.query("CALL db.clearQueryCaches()")
    with graph.session() as sess:
        first = timed(lambda: sess.execute_read(lambda tx: tx.run(top_k, params(users_q[0])).data()), 1)[0]
        cached = median(timed(lambda: sess.execute_read(lambda tx: tx.run(top_k, params(users_q[0])).data()), 20))
    result["planning (first call after clearQueryCaches minus cached)"] = round(first - cached, 3)

    stage_ms = {}
    with graph.session() as sess:
        for name, text in STAGES.items():
            for user in users_q[:20]:                       # warm-up: plans compiled, pages cached
                sess.execute_read(lambda tx, t=text, u=user: tx.run(t, params(u)).data())
            stage_ms[name] = median([timed(lambda t=text, u=user: sess.execute_read(
                lambda tx: tx.run(t, params(u)).data()), 1)[0] for user in users_q])
    previous = result["driver round trip, managed read tx RETURN 1"]
    for name, ms in stage_ms.items():
        result[f"stage {name} (cumulative)"] = ms
        result[f"part {name}"] = round(ms - previous, 3)
        previous = ms

    with graph.session() as sess:
        managed_full = [timed(lambda u=user: sess.execute_read(lambda tx: tx.run(top_k, params(u)).data()), 1)[0]
                        for user in users_q]
        auto_full = [timed(lambda u=user: sess.run(top_k, params(u)).data(), 1)[0] for user in users_q]
    result["recommend/top_k as shipped, managed read tx (2 round trips)"] = median(managed_full)
    result["recommend/top_k as shipped, auto-commit (1 round trip)"] = median(auto_full)
    with graph.session() as sess:
        summary = sess.run("PROFILE " + top_k, params(users_q[0])).consume()
    result["PROFILE operators (rows, db hits)"] = operators(summary.profile)

    widened = sum(len(graph.read("recommend/top_k", **params(user))) < K for user in users_q)
    result["requests needing a wider fetch (share)"] = round(widened / len(users_q), 3)
    full = [timed(lambda u=user: recommend.recommend(graph, world.dataset, u, K, Filters(genre=genre[u])), 1)[0]
            for user in users_q]
    unfiltered = [timed(lambda u=user: recommend.recommend(graph, world.dataset, u, K), 1)[0] for user in users_q]
    result["recommend() end to end, genre + unseen, p50"] = median(full)
    result["recommend() end to end, genre + unseen, p99"] = round(float(np.percentile(full, 99)), 3)
    result["recommend() end to end, unseen only, p50"] = median(unfiltered)
    result["fetch sweep (unseen only): fetch -> top_k p50 ms, recall@10 vs exact"] = fetch_sweep(
        graph, world, users_q, params)
    result["load_after"] = load_average()
    writeback.drop_version(graph, model.version, force=True)
    return result


def fetch_sweep(graph: Graph, world, users: list[str], params) -> dict[int, list[float]]:
    """What the index's candidate count buys: shipped top_k (unseen only) p50 and recall@10 against numpy's exact
    unseen top-10, per fetch (HNSW searches with a beam as wide as the fetch)."""
    brute = numpy_call(world)                                  # latency.py's baseline: exact unseen top-K
    exact = {user: {world.item_keys[n] for n in brute(user)} for user in set(users)}
    top_k, sweep = statement("recommend/top_k"), {}
    with graph.session() as sess:
        for fetch in FETCH_SWEEP:
            run = {u: params(u) | {"fetch": fetch, "genre": None} for u in set(users)}
            for user in users[:20]:
                sess.run(top_k, run[user]).data()
            times, found = [], []
            for user in users:
                began = time.perf_counter()
                rows = sess.run(top_k, run[user]).data()
                times.append((time.perf_counter() - began) * 1000)
                found.append(len({r["key"] for r in rows} & exact[user]) / K)
            sweep[fetch] = [median(times), round(float(np.mean(found)), 3)]
    return sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", type=parse_size, metavar="LABEL:USERS:ITEMS")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = args.size or [("1.7k items", 943, 1682), ("50k items", 5000, 50_000)]
    out = {}
    with Graph(load_settings()) as graph:
        migrations.migrate(graph)
        for label, users, items in sizes:
            out[label] = profile_size(graph, label, users, items, args.queries)
            print(label, json.dumps(out[label], indent=1), flush=True)
        wipe_data(graph)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
