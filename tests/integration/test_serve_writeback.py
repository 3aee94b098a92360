"""Write-back: versioned vectors, vector index, atomic activation, failure leaves the old version."""

from __future__ import annotations

import numpy as np
import pytest

from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.serve import writeback
from kgrec.serve.vectors import augment_items, max_norm_for
from tests.serve_fixtures import load_world, make_run, make_world, vectors


@pytest.fixture()
def world(graph: Graph):
    w = make_world()
    load_world(graph, w)
    return w


def test_write_back_stores_every_vector_and_activates(graph: Graph, world, tmp_path) -> None:
    make_run(tmp_path, world)
    model = writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    assert (model.version, model.property, model.index, model.active) == ("v1", "emb_v1", "kgrec_item_v1", True)
    rows = {r["key"]: r["vec"] for r in vectors(graph, "Item")}
    expected = augment_items(world.items, max_norm_for(world.items))
    got = np.array([rows[k] for k in world.item_keys])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    users = vectors(graph, "User")
    assert len(users) == len(world.user_keys) and {u["vec"][-1] for u in users} == {0.0}
    assert graph.run("serve/index_state", name="kgrec_item_v1")[0]["state"] == "ONLINE"
    listed = writeback.list_models(graph)
    assert [(m["version"], m["status"], m["active"]) for m in listed] == [("v1", "ready", True)]
    assert sorted(listed[0]["counts"]) == ["Entity=16", "Item=120", "User=40"]


def test_versions_switch_and_drop(graph: Graph, world, tmp_path) -> None:
    make_run(tmp_path, world, "run-a")
    make_run(tmp_path, world, "run-b", scale=2.0)
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    second = writeback.write_back(graph, "run-b", runs_dir=tmp_path)
    assert writeback.get_model(graph).version == second.version == "v2"
    states = {m["version"]: m["active"] for m in writeback.list_models(graph)}
    assert states == {"v1": False, "v2": True}
    writeback.activate_version(graph, "v1")
    assert writeback.get_model(graph, dataset="tiny").version == "v1"
    with pytest.raises(KgrecError, match="is active"):
        writeback.drop_version(graph, "v1")
    writeback.drop_version(graph, "v2")
    assert [m["version"] for m in writeback.list_models(graph)] == ["v1"]
    leftover = graph.run("serve/count_vectors", property="emb_v2")[0]["n"]
    assert leftover == 0
    assert graph.run("serve/index_state", name="kgrec_item_v2") == []
    with pytest.raises(KgrecError, match="does not exist"):
        writeback.activate_version(graph, "v2")


def test_failed_write_back_leaves_previous_version_active(graph: Graph, world, tmp_path) -> None:
    make_run(tmp_path, world, "run-a")
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    make_run(tmp_path, world, "run-bad", scale=3.0, extra_item_keys=["tiny:not-in-graph"])
    # small batches: the unknown key (last) fails after the first batches were already written
    with pytest.raises(KgrecError, match="tiny:not-in-graph"):
        writeback.write_back(graph, "run-bad", runs_dir=tmp_path, batch_size=16)
    assert writeback.get_model(graph).version == "v1"
    assert [m["version"] for m in writeback.list_models(graph)] == ["v1"]
    partial = graph.run("serve/count_vectors", property="emb_v2")[0]["n"]
    assert partial == 0
    assert graph.run("serve/index_state", name="kgrec_item_v2") == []


def test_bad_runs_fail_before_writing(graph: Graph, world, tmp_path) -> None:
    with pytest.raises(KgrecError, match="not found"):
        writeback.write_back(graph, "no-such-run", runs_dir=tmp_path)
    run_dir = make_run(tmp_path, world, "run-nan")
    arrays = dict(np.load(run_dir / "embeddings.npz"))
    arrays["Item"][3, 2] = np.nan
    np.savez(run_dir / "embeddings.npz", **arrays)
    with pytest.raises(KgrecError, match="NaN"):
        writeback.write_back(graph, "run-nan", runs_dir=tmp_path)
    assert writeback.list_models(graph) == []


def test_concurrent_writers_write_every_batch_and_name_a_missing_key(graph: Graph, world) -> None:
    """Small batches over three write sessions: every vector lands once; an unknown key in a middle batch fails
    with its name."""
    from kgrec.serve.versions import write_vectors

    vecs = augment_items(world.items, max_norm_for(world.items))
    seen: list[int] = []
    n = write_vectors(graph, "Item", "emb_test", world.item_keys, vecs, batch_size=7, writers=3,
                      progress=lambda label, done, total: seen.append(done))
    assert n == len(world.item_keys) and seen == sorted(seen) and seen[-1] == n
    rows = {r["key"]: r["vec"] for r in graph.query("MATCH (i:Item) RETURN i.key AS key, i.emb_test AS vec")}
    np.testing.assert_allclose(np.array([rows[k] for k in world.item_keys]), vecs, rtol=1e-6, atol=1e-6)
    keys = list(world.item_keys)
    keys[50] = "tiny:no-such-item"
    with pytest.raises(KgrecError, match="no-such-item"):
        write_vectors(graph, "Item", "emb_test2", keys, vecs, batch_size=7, writers=3)
