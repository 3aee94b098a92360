"""Recommendations from Cypher equal numpy's dot-product top-K; filters, fallback, explanations."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgrec.cypher import statement
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.serve import recommend, writeback
from kgrec.serve.recommend import Filters
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.serve_fixtures import load_world, make_run, make_world, numpy_top_k


@pytest.fixture()
def world(graph: Graph, tmp_path):
    w = make_world()
    load_world(graph, w)
    make_run(tmp_path, w)
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    return w


def keys(rows: list[dict]) -> list[str]:
    return [r["key"] for r in rows]


def test_top_k_matches_numpy_dot_product(graph: Graph, world) -> None:
    for user in world.user_keys[:12]:
        rows = recommend.recommend(graph, "tiny", user, 10)
        assert keys(rows) == numpy_top_k(world, user, 10)
        u = world.user_keys.index(user)
        expected = [float(world.items[world.item_keys.index(r["key"])] @ world.users[u]) for r in rows]
        np.testing.assert_allclose([r["score"] for r in rows], expected, rtol=1e-5)
        assert not set(keys(rows)) & world.seen[user]


def test_graph_filters(graph: Graph, world) -> None:
    user = world.user_keys[0]
    comedy = {k for k, g in world.genres.items() if "Comedy" in g}
    rows = recommend.recommend(graph, "tiny", user, 5, Filters(genre="Comedy"))
    assert keys(rows) == numpy_top_k(world, user, 5, allowed=comedy)
    recent = {k for k, y in world.years.items() if y >= 2000}
    rows = recommend.recommend(graph, "tiny", user, 5, Filters(min_year=2000))
    assert keys(rows) == numpy_top_k(world, user, 5, allowed=recent)
    director = "tiny:d3"
    linked = {k for k, es in world.item_entities.items() if director in es}
    rows = recommend.recommend(graph, "tiny", user, 5, Filters(entity=director))
    assert keys(rows) == numpy_top_k(world, user, 5, allowed=linked)
    friends = {b for a, b in world.friends if a == user} | {a for a, b in world.friends if b == user}
    consumed = set().union(*(world.seen[f] for f in friends))
    rows = recommend.recommend(graph, "tiny", user, 10, Filters(exclude_friends=True))
    assert keys(rows) == numpy_top_k(world, user, 10, allowed=set(world.item_keys) - consumed)


def test_fewer_matches_than_k_falls_back_to_exact_scan(graph: Graph, world) -> None:
    user = world.user_keys[1]
    allowed = {k for k, y in world.years.items() if y >= 2007}  # 3 years x 4 items
    expected = numpy_top_k(world, user, 50, allowed=allowed)
    assert 0 < len(expected) < 50
    rows = recommend.recommend(graph, "tiny", user, 50, Filters(min_year=2007))
    assert keys(rows) == expected


def test_similar_items(graph: Graph, world) -> None:
    item = world.item_keys[5]
    scores = world.items @ world.items[5]
    order = [world.item_keys[i] for i in np.argsort(-scores) if i != 5][:5]
    assert keys(recommend.similar_items(graph, "tiny", item, 5)) == order


def test_explanations_are_real_paths(graph: Graph, world) -> None:
    user = world.user_keys[2]
    rows = recommend.recommend(graph, "tiny", user, 10)
    paths = recommend.explain(graph, "tiny", user, keys(rows))
    assert list(paths) == keys(rows)
    kinds = set()
    for item, found in paths.items():
        for path in found:
            kinds.add(path["kind"])
            assert path["via_key"] in world.seen[user]
            if path["kind"] == "U-I-E-I":
                assert path["entity_key"] in world.item_entities[item]
                assert path["entity_key"] in world.item_entities[path["via_key"]]
            else:
                co = sum(1 for v, s in world.seen.items() if v != user and item in s and path["via_key"] in s)
                assert path["support"] == co > 0
            assert recommend.describe(path)
    assert kinds == {"U-I-E-I", "U-I-U-I"}


def test_unknown_user_and_bad_filters_are_clear(graph: Graph, world) -> None:
    with pytest.raises(KgrecError, match="not in the graph"):
        recommend.recommend(graph, "tiny", "tiny:999999", 10)
    with pytest.raises(KgrecError, match="unknown filter"):
        recommend.parse_filters(["colour=red"], "tiny")
    with pytest.raises(KgrecError, match="integer year"):
        recommend.parse_filters(["min-year=last"], "tiny")
    assert recommend.parse_filters(["entity=d3", "not-by-friends"], "tiny") == Filters(
        entity="tiny:d3", exclude_friends=True)


def test_cli_recommend_explain(graph: Graph, world) -> None:
    result = run_cli("recommend", "--user", "3", "-k", "10", "--explain", "--format", "json", env=suite_env())
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["model"] == "v1" and len(out["items"]) == 10
    assert [i["id"] for i in out["items"]] == [k.split(":", 1)[1] for k in numpy_top_k(world, "tiny:3", 10)]
    explained = [item for item in out["items"] if item["explanation"]]
    assert len(explained) >= 5  # items of other clusters may share nothing with what user 3 saw
    assert all(len(item["explanation"]) == len(item["paths"]) for item in out["items"])
    table = run_cli("recommend", "--user", "3", "--explain", env=suite_env())
    assert table.returncode == 0 and "because you liked" in table.stdout


def test_browser_queries_match_the_cli(graph: Graph, world) -> None:
    user = world.user_keys[3]
    rows = graph.query(statement("browser/recommendations"), user_key=user, dataset="tiny", k=10.0)
    assert ["tiny:" + r["item"] for r in rows] == numpy_top_k(world, user, 10)
    neighbourhood = graph.query(statement("browser/user_neighbourhood"), user_key=user)
    assert {r["item"] for r in neighbourhood} == {f"Film {k.split(':', 1)[1]}" for k in world.seen[user]}
    assert all(r["kg_links"] == len(world.item_entities[f"tiny:{r['item'].split()[1]}"]) for r in neighbourhood)
    paths = graph.query(statement("browser/explanation_paths"), user_key=user, dataset="tiny")
    top3 = [f"Film {k.split(':', 1)[1]}" for k in numpy_top_k(world, user, 3)]
    assert paths and {r["recommended"] for r in paths} <= set(top3)
    assert all(r["why"].startswith("because you liked Film ") and r["measure"] == "similarity" for r in paths)
    item = keys(recommend.recommend(graph, "tiny", user, 1))[0]
    also = graph.query(statement("browser/people_also_liked"), user_key=user, item_key=item, dataset="tiny")
    assert also and all(r["people_who_liked_both"] > 0 for r in also)
    assert [r["similarity"] for r in also] == sorted((r["similarity"] for r in also), reverse=True)
    assert graph.query(statement("browser/models"))[0]["active"] is True


def test_a_selective_filter_sizes_its_next_fetch_from_the_measured_pass_rate(graph: Graph, world,
                                                                           monkeypatch) -> None:
    """After the first Comedy request has measured the filter's pass rate, every request starts with a fetch
    sized from it (2 k / rate), and every answer is still numpy's."""
    comedy = {k for k, g in world.genres.items() if "Comedy" in g}
    fetches: list[int] = []
    read = graph.read
    monkeypatch.setattr(graph, "read", lambda name, /, **p: fetches.append(p.get("fetch")) or read(name, **p))
    monkeypatch.setattr(recommend, "MIN_FETCH", 5)          # 5 candidates: fewer than k=4 Comedy films pass
    monkeypatch.setattr(recommend, "FETCH_FACTOR", 1)
    key = ("pass rate", "tiny", None, Filters(genre="Comedy"))
    for n, user in enumerate(world.user_keys[:6]):
        fetches.clear()
        expected_first = 5 if n == 0 else recommend.planned_fetch(4, graph.serving_stats[key])
        rows = recommend.recommend(graph, "tiny", user, 4, Filters(genre="Comedy"))
        assert keys(rows) == numpy_top_k(world, user, 4, allowed=comedy)
        assert fetches[0] == expected_first
        if n:
            assert expected_first > 5
    assert 0.0 < graph.serving_stats[key] < 0.6                # 1 of 6 genres, 1–2 genres per film


def test_a_filter_that_would_need_too_many_candidates_goes_straight_to_the_exact_scan(graph: Graph, world,
                                                                                     monkeypatch) -> None:
    user = world.user_keys[2]
    graph.serving_stats[("pass rate", "tiny", None, Filters(min_year=2009))] = 0.0001
    statements: list[str] = []
    read = graph.read
    monkeypatch.setattr(graph, "read", lambda name, /, **p: statements.append(name) or read(name, **p))
    rows = recommend.recommend(graph, "tiny", user, 3, Filters(min_year=2009))
    assert statements == ["recommend/top_k_exact"]
    assert keys(rows) == numpy_top_k(world, user, 3, allowed={k for k, y in world.years.items() if y >= 2009})
