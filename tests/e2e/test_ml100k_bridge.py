"""The ml-100k -> MovieLens-1M id bridge: matching rules, the committed table, re-keyed links, repair of old links."""

from __future__ import annotations

from kgrec import datasets
from kgrec.ingest.ml100k_bridge import (
    BRIDGE_FILE,
    Movie,
    aliases,
    build_bridge,
    match_titles,
    normalise,
    read_bridge,
    rekey_links,
    render_bridge,
)
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from tests.conftest import suite_env
from tests.ingest_fixtures import load_raw

HERE = Where("test", 1)


def test_normalise_moves_articles_and_strips_accents_and_punctuation():
    assert normalise("Usual Suspects, The") == normalise("The Usual Suspects") == "usual suspects"
    assert normalise("Misérables, Les") == normalise("Miserables, Les") == "miserables"
    assert normalise("Oscar & Lucinda") == normalise("Oscar and Lucinda")


def test_aliases_cover_foreign_titles_aka_and_episode_titles():
    assert {"postino", "postman"} <= aliases("Postino, Il (The Postman)")
    assert "empire strikes back" in aliases("Star Wars: Episode V - The Empire Strikes Back")
    assert "star wars" in aliases("Star Wars: Episode IV - A New Hope")
    assert "hard eight" in aliases("Hard 8 (a.k.a. Sydney, a.k.a. Hard Eight)")


def test_matching_tiers_and_ambiguity_left_unlinked():
    movies = [Movie("260", "Star Wars: Episode IV - A New Hope", 1977),
              Movie("1196", "Star Wars: Episode V - The Empire Strikes Back", 1980),
              Movie("10", "Twins", 1988), Movie("11", "Twins", 1988),
              Movie("20", "Howling, The", 1980), Movie("1", "Toy Story", 1995)]
    items = [Movie("50", "Star Wars", 1977), Movie("172", "Empire Strikes Back, The", 1980),
             Movie("7", "Twins", 1988), Movie("8", "Howling, The", 1981), Movie("1", "Toy Story", 1995),
             Movie("9", "Toy Story", 1971)]
    found = {m.ml100k_id: (m.ml1m_id, m.tier) for m in match_titles(items, movies)}
    assert found["50"] == ("260", "alias") and found["172"] == ("1196", "alias")
    assert found["1"] == ("1", "exact") and found["8"] == ("20", "year±1")
    assert "7" not in found   # two films called "Twins" in 1988: ambiguous, so no link rather than a guess
    assert "9" not in found   # the year is 24 years off


def test_rekey_links_follows_the_bridge_and_gives_duplicate_titles_one_link():
    raw = RawDataset("ml", "test")
    raw.links = [PairRow("260", "m.star_wars", HERE), PairRow("1639", "m.chasing_amy", HERE),
                 PairRow("50", "m.swan_princess_is_not_star_wars", HERE)]
    rekey_links(raw, {"50": "260", "246": "1639", "268": "1639", "3": "9999"})
    assert {(link.left, link.right) for link in raw.links} == {("50", "m.star_wars"), ("246", "m.chasing_amy")}
    assert BRIDGE_FILE.name in raw.checksums


def test_committed_bridge_reaches_enough_items():
    bridge = read_bridge()
    assert len(bridge) >= 1550
    assert bridge["50"] == "260" and bridge["172"] == "1196" and bridge["313"] == "1721"  # Star Wars, Empire, Titanic


def test_bridge_table_rebuilds_identically_from_movies_dat(settings):
    movies = datasets.resolve("movielens-1m", settings, env=suite_env()) / "movies.dat"  # from KGREC_DATA_DIR
    matches = build_bridge(datasets.resolve("ml100k", settings) / "ml-100k.item", movies)
    assert render_bridge(matches) == BRIDGE_FILE.read_text()


def kg_content(graph) -> tuple:
    """Everything a KG re-load may change: KG triples, entity keys and item links of dataset 'fx'."""
    triples = graph.query("MATCH (h)-[r]->(t) WHERE r.dataset = 'fx' AND r.relation IS NOT NULL "
                          "RETURN type(r) AS rel, h.key AS h, t.key AS t ORDER BY rel, h, t")
    entities = graph.query("MATCH (e:Entity) WHERE e.dataset = 'fx' RETURN e.key AS key ORDER BY key")
    links = graph.query("MATCH (i:Item) WHERE i.dataset = 'fx' RETURN i.key AS key, i.entity AS entity ORDER BY key")
    return (tuple(tuple(r.values()) for r in triples), tuple(r["key"] for r in entities),
            tuple(tuple(r.values()) for r in links))


def fixture_dataset(links: list[tuple[str, str]]) -> RawDataset:
    raw = RawDataset("fx", "fixture")
    raw.items = [NodeRow(i, {"title": f"film {i}"}, HERE) for i in ("1", "2", "3")]
    raw.items_declared = True
    raw.events = [EventRow("u1", i, "rating", 4.0, 1.0, 100, None, HERE) for i in ("1", "2")]
    raw.links = [PairRow(item, entity, HERE) for item, entity in links]
    raw.triples = [PairRow("m.a", "m.director", HERE, "film.film.directed_by"),
                   PairRow("m.b", "m.director", HERE, "film.film.directed_by"),
                   PairRow("m.a", "m.b", HERE, "film.film.sequel"),
                   PairRow("m.c", "m.actor", HERE, "film.film.actor")]
    return raw


def test_reload_with_corrected_links_leaves_exactly_a_fresh_load(graph):
    correct = [("1", "m.a"), ("2", "m.b")]
    load_raw(graph, fixture_dataset(correct))
    fresh = kg_content(graph)
    graph.query("MATCH (n) WHERE n.dataset = 'fx' OR n:KgrecDataset DETACH DELETE n")
    load_raw(graph, fixture_dataset([("1", "m.b"), ("3", "m.a"), ("2", "m.c")]))  # the wrong, shuffled links
    assert kg_content(graph) != fresh
    report = load_raw(graph, fixture_dataset(correct))
    assert kg_content(graph) == fresh
    assert report.pruned.triples == 3 and report.pruned.unlinked == 1 and report.pruned.entities == 0
    assert (report.linked, report.unlinked) == (2, 1)
    again = load_raw(graph, fixture_dataset(correct))
    assert again.created == 0 and again.pruned.total == 0 and kg_content(graph) == fresh

