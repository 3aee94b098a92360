"""Reliability on 127.0.0.1: 50 concurrent recommendation clients for a bounded time get 0 errors,
and keep getting consistent answers (all from the old version or all from the new) while a
write-back runs and switches versions. The 60 s / 50-client figure comes from
benchmarks/latency.py; the test uses 10 s to keep the suite fast."""

from __future__ import annotations

import threading
import time

from kgrec.db import Graph
from kgrec.serve import recommend, writeback
from tests.serve_fixtures import load_world, make_run, make_world, numpy_top_k

CLIENTS = 50
DURATION_S = 10.0


def hammer(graph: Graph, users: list[str], until: threading.Event, results: list, errors: list) -> None:
    n = 0
    while not until.is_set():
        user = users[n % len(users)]
        n += 1
        try:
            began = time.monotonic()
            rows = recommend.recommend(graph, "tiny", user, 10)
            results.append((user, [r["key"] for r in rows], rows[0]["version"], began))
        except Exception as exc:  # noqa: BLE001 - every failure counts
            errors.append(repr(exc))


def test_fifty_clients_during_a_write_back(graph: Graph, tmp_path) -> None:
    world = make_world(users=40, items=300)
    load_world(graph, world)
    make_run(tmp_path, world, "run-a")
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    # the second run ranks differently: item vectors flipped in sign for half the dimensions
    flipped = make_world(users=40, items=300)
    flipped.items[:, ::2] *= -1
    make_run(tmp_path, flipped, "run-b")
    users = world.user_keys[:8]
    old = {u: numpy_top_k(world, u, 10) for u in users}
    new = {u: numpy_top_k(flipped, u, 10) for u in users}
    assert all(old[u] != new[u] for u in users)

    stop, results, errors = threading.Event(), [], []
    threads = [threading.Thread(target=hammer, args=(graph, users, stop, results, errors)) for _ in range(CLIENTS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    while len(results) < CLIENTS and time.monotonic() - start < DURATION_S:
        time.sleep(0.05)  # every client has answered (plans compiled) before the write-back starts
    during = len(results)
    writeback.write_back(graph, "run-b", runs_dir=tmp_path, batch_size=50)
    switched_at, switch_time = len(results), time.monotonic()
    time.sleep(max(2.0, DURATION_S - (switch_time - start)))
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert during > 0 and switched_at > during and len(results) > switched_at
    mixed = [(u, keys) for u, keys, _, _ in results if keys not in (old[u], new[u])]
    assert mixed == []
    wrong = [(u, v, t - start, keys == new[u]) for u, keys, v, t in results if (keys == new[u]) != (v == "v2")]
    assert wrong == []
    after = {v for _, _, v, began in results if began > switch_time}
    assert after == {"v2"}  # every query started after the switch used the new version
