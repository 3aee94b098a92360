"""The YAML-mapped CSV loader (the worked example) and the seeded synthetic generator."""

from __future__ import annotations

import numpy as np

from kgrec.ingest.csvspec import read_csv_spec
from kgrec.ingest.synthetic import generate
from kgrec.ingest.validate import validate
from tests.ingest_fixtures import fingerprint, load_raw
from tests.paths import REPO

SPEC = REPO / "examples" / "csv" / "mapping.yaml"


def test_csv_example_loads_every_section(graph):
    report = load_raw(graph, read_csv_spec(SPEC))
    assert report.created == 3 + 4 + 2 + 6 + 2 + 5
    event = graph.query("MATCH (:User {key: 'bookshop:c1'})-[r:INTERACTED]->(:Item {key: 'bookshop:b1'}) "
                        "RETURN r.kind AS kind, r.rating AS rating, r.weight AS weight, r.ts AS ts")
    assert event == [{"kind": "purchase", "rating": 5.0, "weight": 1.0, "ts": 1709287200}]
    book = graph.query("MATCH (b:Item {key: 'bookshop:b3'})-[:WRITTEN_BY]->(a:Entity) "
                       "RETURN b.genres AS genres, b.year AS year, a.name AS author, a.type AS type")
    assert book == [{"genres": ["science fiction", "history"], "year": 1979, "author": "Octavia E. Butler",
                     "type": "person"}]
    assert graph.query("MATCH (:Item {key: 'bookshop:b1'})-[r:SAME_UNIVERSE_AS]->(:Item {key: 'bookshop:b2'}) "
                       "RETURN r.relation AS rel") == [{"rel": "same_universe_as"}]
    before = fingerprint(graph)
    assert load_raw(graph, read_csv_spec(SPEC)).created == 0
    assert fingerprint(graph) == before


def test_synthetic_is_deterministic_and_skewed():
    a = validate(generate(200, 300, 4000, seed=7))
    b = validate(generate(200, 300, 4000, seed=7))
    c = validate(generate(200, 300, 4000, seed=8))
    assert a.events == b.events and a.nodes == b.nodes and a.triples == b.triples
    assert a.events != c.events
    assert a.counts()["events"] == 4000 and a.counts()["users"] == 200 and a.counts()["items"] == 300
    per_item = np.sort(np.unique([e["item"] for e in a.events], return_counts=True)[1])[::-1]
    assert per_item[:30].sum() > 0.3 * 4000  # top 10% of items get well over 10% of events
    types = {n["props"]["type"] for n in a.nodes["Entity"]}
    assert types == {"genre", "person", "studio", "country"}
    assert all(n["props"]["text"] for n in a.nodes["Item"])


def test_synthetic_loads(graph):
    report = load_raw(graph, generate(30, 40, 300, seed=1))
    counts = {r["label"]: r["count"] for r in graph.run("graph/label_counts", dataset="synthetic")}
    assert counts["User"] == 30 and counts["Item"] == 40
    assert {s.step: s.rows for s in report.steps}["INTERACTED (first load)"] == 300
