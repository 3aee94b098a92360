"""Cold start: new items from text map + KG neighbours, new users by fold-in, ingest-events."""

from __future__ import annotations

import numpy as np
import pytest

from kgrec.db import Graph
from kgrec.errors import InputError
from kgrec.serve import coldstart, events, recommend, writeback
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.serve_fixtures import load_world, make_run, make_world, vectors

COLD = ["tiny:i7", "tiny:i8", "tiny:i9", "tiny:i10"]


@pytest.fixture()
def world(graph: Graph, tmp_path):
    w = make_world()
    load_world(graph, w)
    make_run(tmp_path, w, drop_items=COLD)  # these items were not trained
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    return w


def test_ridge_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5))
    w = rng.normal(size=(5, 3))
    fitted = coldstart.fit_ridge(x, x @ w + 2.0, lam=1e-6)
    np.testing.assert_allclose(coldstart.apply_ridge(fitted, x), x @ w + 2.0, atol=1e-6)


def test_cold_items_get_embeddings_close_to_their_true_ones(graph: Graph, world) -> None:
    model = writeback.get_model(graph)
    assert model.text_map is not None and model.text_dim == 24
    count, skipped = coldstart.embed_cold_items(graph, model)
    assert (count, skipped) == (len(COLD), [])
    stored = {r["key"]: np.array(r["vec"][:-1]) for r in vectors(graph, "Item")}
    for key in COLD:
        truth = world.items[world.item_keys.index(key)]
        cosine = stored[key] @ truth / np.linalg.norm(stored[key]) / np.linalg.norm(truth)
        assert cosine > 0.8, (key, cosine)
    # a cold item is now recommendable: it appears for the user who scores it highest
    scores = world.users @ world.items[world.item_keys.index(COLD[0])]
    best_user = world.user_keys[int(np.argmax(scores))]
    if COLD[0] not in world.seen[best_user]:
        assert COLD[0] in [r["key"] for r in recommend.recommend(graph, "tiny", best_user, 40)]


def test_ingest_events_folds_in_a_new_user(graph: Graph, world, tmp_path) -> None:
    target = world.user_keys[4]
    liked = sorted(world.seen[target])[:5]
    path = tmp_path / "events.csv"
    path.write_text("user,item,rating\n" + "".join(f"newbie,{k.split(':')[1]},5\n" for k in liked))
    result = run_cli("ingest-events", str(path), env=suite_env())
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout and "refreshed 1" in result.stdout
    recs = [r["key"] for r in recommend.recommend(graph, "tiny", "tiny:newbie", 10)]
    assert not set(recs) & set(liked)
    # the fold-in user gets the items of the same cluster as the user they imitate
    cluster_mates = set(world.seen[target]) - set(liked)
    same = [k for k in recs if _cluster_score(world, k, liked) > 0]
    assert len(same) >= 8 or cluster_mates & set(recs)


def _cluster_score(world, key: str, liked: list[str]) -> float:
    centre = world.items[[world.item_keys.index(k) for k in liked]].mean(axis=0)
    return float(world.items[world.item_keys.index(key)] @ centre)


def test_bad_event_files_name_file_and_line_and_write_nothing(graph: Graph, world, tmp_path) -> None:
    before = graph.run("db/counts")[0]
    cases = {
        "user,item\n1,i1\n2,\n": ":3 (column item): empty item",
        "user,item,rating\n1,i1,5\n1,i2,lots\n": ":3 (column rating): 'lots' is not a number",
        "user,film\n1,i1\n": ":1: header must contain user, item (missing item)",
        "user,item\n1,i1\n1,i99999\n": ":3 (column item): item 'tiny:i99999' is not in the graph",
    }
    model = writeback.get_model(graph)
    for n, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{n}.csv"
        path.write_text(text)
        with pytest.raises(InputError) as info:
            events.ingest_events(graph, path, "tiny", model)
        assert str(info.value) == f"{path}{message}"
    after = graph.run("db/counts")[0]
    assert after == before
    cli = run_cli("ingest-events", str(tmp_path / "bad3.csv"), env=suite_env())
    assert cli.returncode == 1 and cli.stderr.startswith(f"error: {tmp_path / 'bad3.csv'}:3")
    assert "Traceback" not in cli.stderr
