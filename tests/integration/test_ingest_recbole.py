"""RecBole atomic files: typed headers, exact counts, idempotence and resumability on a real Neo4j."""

from __future__ import annotations

import pytest

from kgrec.ingest.lastfm import read_lastfm
from kgrec.ingest.recbole import read_dataset
from tests.ingest_fixtures import LASTFM_TINY, TINY, copy_tiny, fingerprint, load_raw


def test_tiny_dataset_loads_with_exact_counts_and_links(graph):
    report = load_raw(graph, read_dataset(TINY))
    assert report.created == 3 + 4 + 3 + 6 + 7  # users, items, unlinked entities, events, triples
    counts = {(r["label"]): r["count"] for r in graph_stats_rows(graph)}
    assert counts == {"User": 3, "Item": 4, "Entity": 3, "KgrecDataset": 1}
    item = graph.query("MATCH (i:Item {key: 'tiny:10'}) RETURN i.text AS text, i.entity AS entity, "
                       "i.genres AS genres, i.year AS year")[0]
    assert item == {"text": "Alpha Movie (1990). Genres: Action, Comedy.", "entity": "m.alpha",
                    "genres": ["Action", "Comedy"], "year": 1990}
    user = graph.query("MATCH (u:User {key: 'tiny:2'}) RETURN u.age AS age, u.occupation AS occ, u.zip AS zip")[0]
    assert user == {"age": 53, "occ": "other", "zip": "94043"}
    rel = graph.query("MATCH (:Item {key: 'tiny:10'})-[r:FILM_FILM_GENRE]->(e:Entity) "
                      "RETURN r.relation AS relation, e.key AS entity")[0]
    assert rel == {"relation": "film.film.genre", "entity": "tiny:m.action"}
    # a KG entity linked to an item IS the item: item-item edge for the sequel
    assert graph.query("MATCH (:Item {key: 'tiny:10'})-[r:FILM_FILM_SEQUEL]->(:Item {key: 'tiny:12'}) "
                       "RETURN count(r) AS n")[0]["n"] == 1
    ev = graph.query("MATCH (:User {key: 'tiny:2'})-[r:INTERACTED]->(:Item {key: 'tiny:12'}) "
                     "RETURN r.rating AS rating, r.ts AS ts, r.kind AS kind, r.weight AS weight")[0]
    assert ev == {"rating": 2.0, "ts": 880000300, "kind": "rating", "weight": 1.0}


def graph_stats_rows(graph):
    from kgrec.metapaths import graph_stats

    return graph_stats(graph)[0]


def test_second_identical_load_changes_nothing(graph):
    load_raw(graph, read_dataset(TINY))
    before = fingerprint(graph)
    again = load_raw(graph, read_dataset(TINY))
    assert again.created == 0
    assert all(step.present == step.rows for step in again.steps)
    assert fingerprint(graph) == before


def test_killed_load_resumes_to_exact_counts(graph):
    raw = read_dataset(TINY)
    fresh = fingerprint_after_clean_load(graph, raw)
    graph.query("MATCH (n) WHERE NOT n:KgrecMigration DETACH DELETE n")

    def die_after_first_event_batch(step: str, rows: int) -> None:
        if step.startswith("INTERACTED"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_raw(graph, read_dataset(TINY), batch_size=2, after_batch=die_after_first_event_batch)
    partial = graph.query("MATCH ()-[r:INTERACTED]->() RETURN count(r) AS n")[0]["n"]
    assert partial == 2  # one committed batch of two events, then the "kill"
    resumed = load_raw(graph, read_dataset(TINY), batch_size=2)
    assert resumed.created == 6 - 2 + 7 + 0  # remaining events + all triples; nodes were all there
    assert fingerprint(graph) == fresh


def fingerprint_after_clean_load(graph, raw):
    load_raw(graph, raw)
    return fingerprint(graph)


def test_pre_split_files_set_the_split_property(graph, tmp_path):
    d = copy_tiny(tmp_path)
    lines = (d / "tiny.inter").read_text().splitlines()
    (d / "tiny.inter").unlink()
    (d / "tiny.train.inter").write_text("\n".join(lines[:5]) + "\n")
    (d / "tiny.valid.inter").write_text("\n".join([lines[0], lines[5]]) + "\n")
    (d / "tiny.test.inter").write_text("\n".join([lines[0], lines[6]]) + "\n")
    load_raw(graph, read_dataset(d))
    rows = graph.query("MATCH ()-[r:INTERACTED]->() RETURN r.split AS split, count(*) AS n ORDER BY split")
    assert rows == [{"split": "test", "n": 1}, {"split": "train", "n": 4}, {"split": "valid", "n": 1}]


@pytest.mark.parametrize("read", [lambda: read_dataset(TINY), lambda: read_lastfm(LASTFM_TINY)],
                         ids=["timed", "untimed"])
def test_first_load_create_path_writes_what_merge_writes(graph, read):
    """A first load CREATEs events; the rows must equal what the MERGE path writes, property for property."""
    def events() -> list[dict]:
        return graph.query("MATCH (u:User)-[r:INTERACTED]->(i:Item) RETURN u.key AS u, i.key AS i, "
                           "properties(r) AS props ORDER BY u, i, r.kind, r.ts")

    merged = load_raw(graph, read(), create_first_events=False)
    assert not any(s.step.endswith("(first load)") for s in merged.steps)
    by_merge = events()
    graph.query("MATCH (n) WHERE NOT n:KgrecMigration DETACH DELETE n")
    created = load_raw(graph, read())
    assert [s.step for s in created.steps if s.step.startswith("INTERACTED")] == ["INTERACTED (first load)"]
    assert events() == by_merge and len(by_merge) > 0
    assert load_raw(graph, read()).created == 0  # the re-run takes the MERGE path and finds everything
