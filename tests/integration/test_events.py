"""Event history is append-only: one identity (user, item, kind, ts | event_id) for the loader and
`kgrec ingest-events`, idempotent repeats, refused conflicts, hostile files as one line with nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgrec.cypher import statement
from kgrec.db import Graph
from kgrec.errors import InputError, KgrecError
from kgrec.serve import coldstart, events, writeback
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.serve_fixtures import load_world, make_run, make_world

TS = 878543275


@pytest.fixture()
def world(graph: Graph, tmp_path):
    w = make_world()
    load_world(graph, w)
    make_run(tmp_path / "runs", w)
    writeback.write_back(graph, "run-a", runs_dir=tmp_path / "runs")
    return w


def unseen_item(world, user_key: str) -> str:
    return next(k for k in world.item_keys if k not in world.seen[user_key])


def loader_event(graph: Graph, user: str, item: str, rating: float, ts: int | None, kind: str = "rating") -> int:
    """Write one event with the loader's own MERGE statement; returns relationships created."""
    name = "load/merge_events_timed" if ts is not None else "load/merge_events_untimed"
    row = {"user": user, "item": item, "kind": kind, "ts": ts, "rating": rating, "weight": rating, "split": None}
    return sum(b.counters.relationships_created for b in graph.write_batches(statement(name), [row]))


def pair_events(graph: Graph, user: str, item: str) -> list[dict]:
    return graph.query("MATCH (:User {key: $u})-[r:INTERACTED]->(:Item {key: $i}) "
                       "RETURN r.kind AS kind, r.ts AS ts, r.rating AS rating, r.weight AS weight, "
                       "r.event_id AS event_id ORDER BY ts, event_id", u=user, i=item)


def fingerprint(graph: Graph) -> tuple:
    counts = graph.run("db/counts")[0]
    rels = graph.query("MATCH ()-[r:INTERACTED]->() RETURN collect([r.kind, r.ts, r.rating, r.weight]) AS all")
    vecs = graph.query("MATCH (u:User) WHERE u.emb_v1 IS NOT NULL RETURN u.key AS k, u.emb_v1 AS v ORDER BY k")
    return counts["nodes"], counts["relationships"], sorted(map(str, rels[0]["all"])), str(vecs)


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_new_event_for_an_existing_pair_keeps_both(graph: Graph, world, tmp_path) -> None:
    user = world.user_keys[0]
    item = unseen_item(world, user)
    assert loader_event(graph, user, item, 4.0, TS) == 1      # as `kgrec load` wrote it
    path = write(tmp_path, "e.csv", f"user,item,rating\n{user.split(':')[1]},{item.split(':')[1]},5\n")
    result = events.ingest_events(graph, path, "tiny", writeback.get_model(graph))
    assert (result.created, result.present) == (1, 0)
    assert pair_events(graph, user, item) == [                 # Cypher sorts a null ts last
        {"kind": "rating", "ts": TS, "rating": 4.0, "weight": 4.0, "event_id": None},
        {"kind": "rating", "ts": None, "rating": 5.0, "weight": 5.0, "event_id": None}]
    # a re-load writes nothing and changes nothing; the same ingest again is already present
    assert loader_event(graph, user, item, 4.0, TS) == 0
    again = events.ingest_events(graph, path, "tiny", writeback.get_model(graph))
    assert (again.created, again.present, again.refreshed) == (0, 1, 1)
    assert len(pair_events(graph, user, item)) == 2


def test_loader_never_rewrites_an_ingested_event(graph: Graph, world, tmp_path) -> None:
    user = world.user_keys[1]
    item = unseen_item(world, user)
    path = write(tmp_path, "e.csv", f"user,item,rating,timestamp\n{user.split(':')[1]},{item.split(':')[1]},2,{TS}\n")
    assert events.ingest_events(graph, path, "tiny", writeback.get_model(graph)).created == 1
    assert loader_event(graph, user, item, 5.0, TS) == 0       # same identity: kept as first recorded
    assert [e["rating"] for e in pair_events(graph, user, item)] == [2.0]


def test_ingest_cli_reports_created_present_and_duplicates(graph: Graph, world, tmp_path) -> None:
    u = world.user_keys[2].split(":")[1]
    items = [k.split(":")[1] for k in world.item_keys if k not in world.seen[world.user_keys[2]]][:2]
    body = "user,item,rating,timestamp\n" + f"{u},{items[0]},4,{TS}\n" * 3 + f"{u},{items[1]},3,{TS}\n"
    path = write(tmp_path, "dup.csv", body)
    first = run_cli("ingest-events", str(path), env=suite_env())
    assert first.returncode == 0, first.stderr
    out = " ".join(first.stdout.split())
    assert "2 event(s) for 1 user(s) (0 new): 2 created, 0 already present" in out
    assert "(2 duplicate row(s) in the file counted once)" in out
    second = run_cli("ingest-events", str(path), env=suite_env())
    assert "0 created, 2 already present" in " ".join(second.stdout.split()), second.stdout + second.stderr


def test_conflicting_values_for_a_recorded_event_are_refused(graph: Graph, world, tmp_path) -> None:
    user = world.user_keys[3]
    item = unseen_item(world, user)
    loader_event(graph, user, item, 4.0, TS)
    before = fingerprint(graph)
    uid, iid = user.split(":")[1], item.split(":")[1]
    path = write(tmp_path, "c.csv", f"user,item,rating,timestamp\n{uid},{iid},4,{TS + 1}\n{uid},{iid},1,{TS}\n")
    with pytest.raises(InputError) as info:
        events.ingest_events(graph, path, "tiny", writeback.get_model(graph))
    assert str(info.value).startswith(f"{path}:3: this event is already recorded with item 'tiny:{iid}', rating 4.0")
    assert "append-only" in str(info.value)
    assert fingerprint(graph) == before
    unrated = write(tmp_path, "u.csv", f"user,item,kind,timestamp\n{uid},{iid},rating,{TS}\n")  # rating missing
    with pytest.raises(InputError, match=r"u.csv:2: this event is already recorded"):
        events.ingest_events(graph, unrated, "tiny", writeback.get_model(graph))
    assert fingerprint(graph) == before


def test_event_ids_identify_events(graph: Graph, world, tmp_path) -> None:
    user = world.user_keys[5]
    uid = user.split(":")[1]
    a, b = [k.split(":")[1] for k in world.item_keys if k not in world.seen[user]][:2]
    path = write(tmp_path, "ids.csv", f"user,item,rating,event_id\n{uid},{a},5,e1\n{uid},{a},5,e2\n")
    model = writeback.get_model(graph)
    assert events.ingest_events(graph, path, "tiny", model).created == 2
    assert [e["event_id"] for e in pair_events(graph, user, f"tiny:{a}")] == ["e1", "e2"]
    assert events.ingest_events(graph, path, "tiny", model).present == 2
    moved = write(tmp_path, "moved.csv", f"user,item,rating,event_id\n{uid},{b},5,e1\n")
    with pytest.raises(InputError, match=r"moved.csv:2: this event is already recorded with item 'tiny:"):
        events.ingest_events(graph, moved, "tiny", model)
    inner = write(tmp_path, "inner.csv", f"user,item,rating,event_id\n{uid},{a},5,x\n{uid},{b},5,x\n")
    with pytest.raises(InputError, match=r"inner.csv:3: the same event as line 2"):
        events.ingest_events(graph, inner, "tiny", model)


HOSTILE = {
    "bom.csv": None,  # accepted
    "latin1.csv": (b"user,item\n1,i1\n1,caf\xe9\n", ":3: not UTF-8 (byte 0xe9 at offset 20)"),
    "huge_field.csv": ("user,item\n1," + "x" * 200_000 + "\n", ":2: malformed CSV: field larger than field limit"),
    "ts_2_63.csv": (f"user,item,timestamp\n1,i1,{2**63}\n", ":2 (column timestamp): '9223372036854775808' is out of "
                    "range for an epoch timestamp in whole seconds"),
    "rating_1e308.csv": ("user,item,rating\n1,i1,1e308\n", ":2 (column rating): '1e308' is out of range"),
    "rating_nan.csv": ("user,item,rating\n1,i1,nan\n", ":2 (column rating): 'nan' is not a"),
    "rating_inf.csv": ("user,item,rating\n1,i1,-inf\n", ":2 (column rating): '-inf' is not a"),
    "newline.csv": ('user,item,kind\n1,i1,"two\nlines"\n1,,x\n', ":4 (column item): empty item"),
    "dup_header.csv": ("user,item,item\n1,i1,i2\n", ":1: column(s) item appear more than once"),
    "ts_float.csv": ("user,item,timestamp\n1,i1,1.5\n", ":2 (column timestamp): '1.5' is not an epoch timestamp"),
    "extra.csv": ("user,item\n1,i1,zzz\n", ":2: 3 fields but the header has 2 columns"),
    "same_twice.csv": ("user,item,rating\n1,i1,4\n1,i1,5\n", ":3: the same event as line 2"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_event_files_give_one_line_and_write_nothing(graph: Graph, world, tmp_path, name: str) -> None:
    if HOSTILE[name] is None:
        path = write(tmp_path, name, b"\xef\xbb\xbfuser,item,rating\n1,i1,5\n")
        result = run_cli("ingest-events", str(path), env=suite_env())
        assert result.returncode == 0 and "1 created" in result.stdout, result.stderr
        return
    data, message = HOSTILE[name]
    path = write(tmp_path, name, data)
    before = fingerprint(graph)
    result = run_cli("ingest-events", str(path), env=suite_env())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {path}{message}"), result.stderr
    assert len(lines) <= 2 and "Traceback" not in result.stderr
    assert fingerprint(graph) == before


def test_a_non_finite_refresh_rolls_the_events_back(graph: Graph, world, tmp_path, monkeypatch) -> None:
    before = fingerprint(graph)
    path = write(tmp_path, "e.csv", "user,item,rating\nnewcomer,i1,5\n")
    monkeypatch.setattr(coldstart, "fold_in", lambda items, pos, w: np.full((len(pos), items.shape[1]), np.nan))
    with pytest.raises(KgrecError, match="refreshed embedding of user 'tiny:newcomer' is not finite; nothing was"):
        events.ingest_events(graph, path, "tiny", writeback.get_model(graph))
    assert fingerprint(graph) == before      # no event, no user node, no stale vector


def test_events_and_vector_refresh_commit_together(graph: Graph, world, tmp_path) -> None:
    user = world.user_keys[6]
    old = np.array(graph.query("MATCH (u:User {key: $k}) RETURN u.emb_v1 AS v", k=user)[0]["v"])
    item = unseen_item(world, user)
    path = write(tmp_path, "e.csv", f"user,item,rating,timestamp\n{user.split(':')[1]},{item.split(':')[1]},5,{TS}\n")
    result = events.ingest_events(graph, path, "tiny", writeback.get_model(graph))
    assert (result.created, result.refreshed) == (1, 1)
    new = np.array(graph.query("MATCH (u:User {key: $k}) RETURN u.emb_v1 AS v", k=user)[0]["v"])
    assert np.isfinite(new).all() and not np.allclose(old, new)
