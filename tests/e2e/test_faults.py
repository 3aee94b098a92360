"""Fault tests on real Neo4j: the server stopped mid-load, `ingest-events` killed mid-transaction, the
login rate limit. Each failure is one line; a re-run gives exact counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgrec import server
from kgrec.db import Graph
from kgrec.ingest.synthetic import generate
from kgrec.ingest.validate import validate
from kgrec.maintenance import wipe_data
from kgrec.serve import writeback
from kgrec.settings import Settings, load_settings
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.paths import REPO
from tests.serve_fixtures import load_world, make_run, make_world

pytestmark = pytest.mark.slow

SYNTH = {"users": 1500, "items": 500, "events": 60_000, "seed": 7}


@pytest.fixture(scope="module")
def fault_env() -> Iterator[dict[str, str]]:
    """A separate instance (the suite's bolt/http ports + 3) that these tests may stop and restart."""
    env = suite_env()
    env["KGREC_INSTANCE"] = env["KGREC_INSTANCE"] + "-faults"
    env["KGREC_BOLT_PORT"] = str(int(env["KGREC_BOLT_PORT"]) + 3)
    env["KGREC_HTTP_PORT"] = str(int(env["KGREC_HTTP_PORT"]) + 3)
    env["KGREC_RETRY_SECONDS"] = "4"
    settings = load_settings(env=env)
    server.install(settings, quiet=True)
    server.start(settings)
    yield env
    server.stop(settings)


def counts(settings: Settings, dataset: str) -> dict[str, int]:
    prefix = f"{dataset}:"
    with Graph(settings) as graph:
        row = graph.query(
            "RETURN COUNT { MATCH (u:User) WHERE u.key STARTS WITH $p } AS users, "
            "COUNT { MATCH (i:Item) WHERE i.key STARTS WITH $p } AS items, "
            "COUNT { MATCH (e:Entity) WHERE e.key STARTS WITH $p } AS entities, "
            "COUNT { MATCH (u:User)-[:INTERACTED]->() WHERE u.key STARTS WITH $p } AS events, "
            "COUNT { MATCH ()-[r]->() WHERE r.dataset = $d AND type(r) <> 'FRIEND' } AS triples, "
            "COUNT { MATCH (n) WHERE (n:User OR n:Item OR n:Entity) AND NOT n.key STARTS WITH $p } AS others",
            p=prefix, d=dataset)[0]
        record = graph.run("load/dataset", name=dataset)[0]["dataset"]
    return row | {"status": record["status"] if record else None}


def stop_when(settings: Settings, dataset: str, min_events: int, stopped: list[float]) -> None:
    """Stop the server once the load has written ``min_events`` events (polling a second connection)."""
    deadline = time.monotonic() + 240
    with Graph(settings) as graph:
        while time.monotonic() < deadline:
            n = graph.query("MATCH (u:User)-[r:INTERACTED]->() WHERE u.key STARTS WITH $p RETURN count(r) AS n",
                            p=f"{dataset}:")[0]["n"]
            if n >= min_events:
                break
            time.sleep(0.1)
    server.stop(settings)
    stopped.append(time.monotonic())


def test_server_stopped_mid_load_then_rerun_is_exact(fault_env: dict[str, str]) -> None:
    settings = load_settings(env=fault_env)
    with Graph(settings) as graph:
        wipe_data(graph)
    args = ["load", "synthetic", "--dataset", "faulty", "--batch-size", "2000",
            *[f"--{k}={v}" for k, v in SYNTH.items()]]
    stopped: list[float] = []
    killer = threading.Thread(target=stop_when, args=(settings, "faulty", 5_000, stopped))
    killer.start()
    broken = run_cli(*args, env=fault_env, timeout=400)
    killer.join()
    assert stopped, "the server was never stopped"
    assert broken.returncode == 1, broken.stdout[-500:]
    errors = [line for line in broken.stderr.splitlines() if line.strip()]
    assert "Traceback" not in broken.stderr and len(errors) == 2, broken.stderr
    assert errors[0].startswith("error: the load of dataset 'faulty' is INCOMPLETE: ")
    assert "rows were written before Neo4j failed (unavailable: " in errors[0]
    assert errors[1].startswith("hint: once Neo4j is up, re-run the same `kgrec load` command")

    server.start(settings)
    partial = counts(settings, "faulty")
    assert partial["status"] == "loading" and 5_000 <= partial["events"] < SYNTH["events"]
    assert partial["others"] == 0                       # no node outside the dataset's namespace
    stats = run_cli("graph", "stats", "--dataset", "faulty", env=fault_env)
    assert stats.returncode == 1 and stats.stderr.startswith(
        "error: dataset 'faulty' is incomplete (its load was interrupted); refusing to report it")

    rerun = run_cli(*args, env=fault_env, timeout=400)
    assert rerun.returncode == 0, rerun.stderr
    plan = validate(generate(SYNTH["users"], SYNTH["items"], SYNTH["events"], SYNTH["seed"], "faulty")).counts()
    final = counts(settings, "faulty")
    assert final == {"users": plan["users"], "items": plan["items"], "entities": plan["entities"],
                     "events": plan["events"], "triples": plan["triples"], "others": 0, "status": "complete"}
    assert run_cli("graph", "stats", "--dataset", "faulty", env=fault_env).returncode == 0


def test_login_rate_limit_is_one_line(fault_env: dict[str, str]) -> None:
    wrong = fault_env | {"NEO4J_PASSWORD": "not-the-password"}
    outputs = [run_cli("db", "status", env=wrong) for _ in range(4)]
    for result in outputs:
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and "Traceback" not in result.stderr and len(lines) == 2, result.stderr
        assert lines[1].startswith("hint: check NEO4J_USER / NEO4J_PASSWORD")
    assert "wrong password" in outputs[0].stderr
    assert "rate-limited" in outputs[3].stderr and "after repeated wrong passwords" in outputs[3].stderr
    # the right password still gets in right after the lock-out (kgrec waits for the lock to lapse once)
    started = time.monotonic()
    right = run_cli("db", "status", env=fault_env)
    assert right.returncode == 0, right.stderr
    assert time.monotonic() - started < 30


def test_sigkill_mid_ingest_then_rerun_is_exact(graph: Graph, tmp_path: Path) -> None:
    world = make_world()
    load_world(graph, world)
    make_run(tmp_path / "runs", world)
    writeback.write_back(graph, "run-a", runs_dir=tmp_path / "runs")
    n_users, per_user = 8000, 10
    items = [k.split(":")[1] for k in world.item_keys]
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("user,item,rating,timestamp\n")
        for u in range(n_users):
            for j in range(per_user):
                fh.write(f"new{u},{items[(u * 7 + j) % len(items)]},{1 + (u + j) % 5},{1_000_000 + j}\n")
    before = graph.run("db/counts")[0]
    proc = subprocess.Popen([sys.executable, "-m", "kgrec", "ingest-events", str(path)], env=suite_env(),
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_for_transaction(graph, "Append validated events", proc, timeout=120), "ingest never started"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    _wait_for_transaction(graph, "Append validated events", None, timeout=60, gone=True)
    assert graph.run("db/counts")[0] == before            # the killed transaction was rolled back whole

    rerun = run_cli("ingest-events", str(path), env=suite_env(), timeout=400)
    assert rerun.returncode == 0, rerun.stderr
    out = " ".join(rerun.stdout.split())
    assert f"{n_users * per_user} event(s) for {n_users} user(s) ({n_users} new): {n_users * per_user} created" in out
    after = graph.run("db/counts")[0]
    assert (after["nodes"] - before["nodes"], after["relationships"] - before["relationships"]) == \
        (n_users, n_users * per_user)
    again = run_cli("ingest-events", str(path), env=suite_env(), timeout=400)
    assert "0 created, 80000 already present" in " ".join(again.stdout.split())
    assert graph.run("db/counts")[0] == after


def _wait_for_transaction(graph: Graph, marker: str, proc: subprocess.Popen | None, timeout: float,
                          gone: bool = False) -> bool:
    """Poll SHOW TRANSACTIONS until one runs a statement containing ``marker`` (or, ``gone``, until none does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = graph.query("SHOW TRANSACTIONS YIELD currentQuery RETURN collect(currentQuery) AS q")[0]["q"]
        running = any(marker in (q or "") for q in rows)
        if running != gone:
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False
