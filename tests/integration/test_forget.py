"""`kgrec forget`: no trace of the user left in Neo4j, the text cache or recorded runs; recommend and
write-back refuse afterwards."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kgrec.data import GraphData
from kgrec.db import Graph
from kgrec.privacy import MARKER, forget_user
from kgrec.serve import coldstart, events, writeback
from kgrec.text import TextCache
from kgrec.train.split import Split, load_split, save_split
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.serve_fixtures import load_world, make_run, make_world

UID = "zq-forget-me-4711"
KEY = f"tiny:{UID}"
BIO = "zq private biography of the forgotten listener 4711"


@pytest.fixture()
def setup(graph: Graph, tmp_path: Path):
    """A user with events, a friendship, text, vectors in two model versions, a cached text vector and
    rows in a recorded run."""
    world = make_world()
    load_world(graph, world)
    graph.query("MERGE (:KgrecDataset {name: 'tiny'})")
    runs = tmp_path / "runs"
    make_run(runs, world, "run-a")
    make_run(runs, world, "run-b", scale=2.0)
    v1 = writeback.write_back(graph, "run-a", runs_dir=runs)
    v2 = writeback.write_back(graph, "run-b", runs_dir=runs)
    liked = [k.split(":")[1] for k in sorted(world.seen[world.user_keys[0]])[:4]]
    path = tmp_path / "events.csv"
    path.write_text("user,item,rating,timestamp\n" + "".join(f"{UID},{i},5,{900000000 + n}\n"
                                                             for n, i in enumerate(liked)))
    events.ingest_events(graph, path, "tiny", writeback.get_model(graph, version=v2.version))
    coldstart.embed_cold_users(graph, writeback.get_model(graph, version=v1.version))
    graph.query("MATCH (u:User {key: $k}), (f:User {key: $f}) SET u.text = $bio MERGE (u)-[:FRIEND]->(f) "
                "MERGE (f)-[:FRIEND]->(u)", k=KEY, f=world.user_keys[1], bio=BIO)
    cache_root = tmp_path / "home" / "text-cache"
    TextCache(cache_root, "").add([BIO, "a film about trains"], np.ones((2, 4), np.float32))
    _recorded_run(runs / "run-c", world)
    return world, runs, cache_root


def _recorded_run(run: Path, world) -> None:
    """A trained run's files: graph with the user's interactions, friendship and text, split, embeddings,
    checkpoints."""
    users = list(world.user_keys) + [KEY]
    me = len(users) - 1
    inter = np.array([[u, i] for u in (0, me, 1, me) for i in (0, 1)], np.int64)
    n = len(inter)
    data = GraphData("tiny", {"User": np.array(users), "Item": np.array(world.item_keys),
                              "Entity": np.array(world.entity_keys)},
                     inter, np.ones(n, np.float32), np.arange(n, dtype=np.int64), np.zeros(n, np.int8),
                     social=np.array([[0, me], [me, 1], [2, 3]], np.int64),
                     texts={"User": np.array([None] * me + [BIO], dtype=object)})
    data.save(run / "graph")
    save_split(Split(np.array([0, 2, 3, 6]), np.array([1, 4]), np.array([5, 7]), seed=1, ratios=(0.8, 0.1, 0.1),
                     source="random", split_id="x"), run / "split.npz")
    np.savez(run / "embeddings.npz", User=np.ones((len(users), 16), np.float32),
             Item=np.ones((len(world.item_keys), 16), np.float32),
             Entity=np.ones((len(world.entity_keys), 16), np.float32))
    (run / "checkpoints").mkdir()
    (run / "checkpoints" / "last.pt").write_bytes(b"weights of " + KEY.encode())
    (run / "config.json").write_text('{"model": "fixture"}')
    (run / "metrics.json").write_text('{"test": {}}')


def traces_in_files(root: Path, needle: str) -> list[str]:
    """Files under ``root`` containing ``needle``: raw bytes (UTF-8 or UTF-32 as numpy stores strings), every
    member of an .npz decompressed, and the elements of every string/object array."""
    patterns = (needle.encode(), needle.encode("utf-32-le"))
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        blobs = [path.read_bytes()]
        if path.suffix == ".npz":
            with zipfile.ZipFile(path) as z:
                blobs += [z.read(name) for name in z.namelist()]
        texts = []
        if path.suffix in (".npz", ".npy"):
            for blob in blobs[1:] or blobs:
                arr = np.load(io.BytesIO(blob), allow_pickle=True)
                if arr.dtype.kind in "OUS":
                    texts += [str(x) for x in arr.ravel()]
        if any(p in b for b in blobs for p in patterns) or any(needle in t for t in texts):
            found.append(str(path))
    return found


HAS = ("any(k IN keys(x) WHERE toStringOrNull(x[k]) CONTAINS $s OR (valueType(x[k]) STARTS WITH 'LIST<STRING' "
       "AND any(v IN x[k] WHERE v CONTAINS $s)))")


def traces_in_graph(graph: Graph, needle: str) -> int:
    """Nodes and relationships with a property (or string-list element) containing ``needle``."""
    nodes = graph.query(f"MATCH (x) WHERE {HAS} RETURN count(x) AS c", s=needle)[0]["c"]
    rels = graph.query(f"MATCH ()-[x]->() WHERE {HAS} RETURN count(x) AS c", s=needle)[0]["c"]
    return nodes + rels


def test_forget_leaves_no_trace(graph: Graph, setup, tmp_path: Path) -> None:
    world, runs, cache_root = setup
    user = graph.query("MATCH (u:User {key: $k}) RETURN [p IN keys(u) WHERE p STARTS WITH 'emb_'] AS v, "
                       "COUNT { (u)--() } AS rels", k=KEY)[0]
    assert sorted(user["v"]) == ["emb_v1", "emb_v2"] and user["rels"] == 6       # 4 events + 2 friendships
    assert traces_in_graph(graph, UID) > 0 and traces_in_graph(graph, "zq private") == 1
    kept = [runs, cache_root.parent]                  # what kgrec keeps: run directories and its home
    assert traces_in_files(runs, UID) and traces_in_files(runs, "zq private")
    assert hashlib.sha256(BIO.encode()).hexdigest() in TextCache(cache_root, "").index   # the cache keys by hash
    before = graph.run("db/counts")[0]

    report = forget_user(graph, UID, "tiny", cache_root, [runs])

    assert (report.events, report.friendships, report.vectors) == (4, 2, ["emb_v1", "emb_v2"])
    assert (report.cache_entries, report.runs) == (1, ["run-c"])
    after = graph.run("db/counts")[0]
    assert (before["nodes"] - after["nodes"], before["relationships"] - after["relationships"]) == (1, 6)
    assert traces_in_graph(graph, UID) == 0 and traces_in_graph(graph, "zq private") == 0
    assert [traces_in_files(root, needle) for root in kept for needle in (UID, "zq private")] == [[]] * 4
    cache = TextCache(cache_root, "")
    assert hashlib.sha256(BIO.encode()).hexdigest() not in cache.index and len(cache.index) == 1
    # the run stays consistent: other users' rows intact, split re-indexed, the user's embedding row zeroed
    data = GraphData.load(runs / "run-c" / "graph")
    assert data.interactions.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.social.tolist() == [[2, 3]]
    split = load_split(runs / "run-c" / "split.npz")
    assert (split.train.tolist(), split.valid.tolist(), split.test.tolist()) == ([0], [1, 2], [3])
    with np.load(runs / "run-c" / "embeddings.npz") as z:
        assert not z["User"][-1].any() and z["User"][:-1].all()
    assert (runs / "run-c" / MARKER).exists() and not (runs / "run-c" / "checkpoints").exists()
    assert not (runs / "run-a" / MARKER).exists()                # runs without the user are untouched


def test_forget_cli_then_recommend_and_write_back_refuse(graph: Graph, setup) -> None:
    _, runs, _ = setup
    env = suite_env() | {"KGREC_RUNS_DIR": str(runs)}
    result = run_cli("forget", "--user", UID, env=env)                      # dataset found from the graph
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert f"Forgot {KEY}: deleted the user node with 4 event(s), 2 friendship(s) and 2 vector(s)" in out
    assert "scrubbed 1 run(s) (run-c)" in out
    again = run_cli("forget", "--user", UID, "--dataset", "tiny", env=env)
    assert again.returncode == 0 and "No trace of" in again.stdout
    rec = run_cli("recommend", "--user", UID, "--dataset", "tiny", env=env)
    assert rec.returncode == 1 and rec.stderr.strip() == f"error: user '{KEY}' is not in the graph"
    back = run_cli("write-back", "--run", "run-c", env=env)
    assert back.returncode == 1 and "Traceback" not in back.stderr
    assert back.stderr.startswith("error: run 'run-c' contained a user erased by `kgrec forget`")
    unknown = run_cli("forget", "--user", "nobody-here", env=env)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: user 'nobody-here' is in no loaded dataset")
