"""Export: Neo4j -> GraphData in key-ordered batches, matching what was loaded."""

from __future__ import annotations

import numpy as np

from kgrec.data import GraphData
from kgrec.export import export_graph
from kgrec.ingest.csvspec import read_csv_spec
from kgrec.ingest.recbole import read_dataset
from tests.ingest_fixtures import TINY, load_raw
from tests.paths import REPO


def test_export_matches_the_loaded_tiny_dataset(graph, tmp_path):
    load_raw(graph, read_dataset(TINY))
    load_raw(graph, read_csv_spec(REPO / "examples" / "csv" / "mapping.yaml"))  # must not leak in
    data = export_graph(graph, "tiny", batch_size=2)  # several pages per label
    assert list(data.keys["User"]) == ["tiny:1", "tiny:2", "tiny:3"]
    assert list(data.keys["Item"]) == ["tiny:10", "tiny:11", "tiny:12", "tiny:13"]
    assert list(data.keys["Entity"]) == ["tiny:m.action", "tiny:m.drama", "tiny:m.person1"]
    pairs = {(data.keys["User"][u], data.keys["Item"][i], float(w), int(t))
             for (u, i), w, t in zip(data.interactions, data.weights, data.timestamps, strict=True)}
    assert ("tiny:2", "tiny:12", 2.0, 880000300) in pairs and len(pairs) == 6
    assert (data.splits == -1).all()
    assert data.interactions.dtype == np.int64 and data.weights.dtype == np.float32
    genre = data.kg[("Item", "FILM_FILM_GENRE", "Entity")]
    assert sorted((data.keys["Item"][h], data.keys["Entity"][t]) for h, t in genre) == [
        ("tiny:10", "tiny:m.action"), ("tiny:11", "tiny:m.drama"), ("tiny:12", "tiny:m.action")]
    assert data.kg[("Item", "FILM_FILM_SEQUEL", "Item")].tolist() == [[0, 2]]
    assert sum(len(v) for v in data.kg.values()) == 7
    assert data.relation_names["FILM_FILM_GENRE"] == "film.film.genre"
    assert data.texts["Item"][0] == "Alpha Movie (1990). Genres: Action, Comedy."
    assert data.texts["Entity"].tolist() == [None, None, None]
    data.save(tmp_path / "g")
    assert GraphData.load(tmp_path / "g").checksum() == data.checksum()
    assert export_graph(graph, "tiny", batch_size=1000).checksum() == data.checksum()  # batch size irrelevant


def test_export_social_edges(graph):
    load_raw(graph, read_csv_spec(REPO / "examples" / "csv" / "mapping.yaml"))
    data = export_graph(graph, "bookshop", batch_size=1)
    assert data.social.tolist() == [[0, 1], [1, 2]]
    assert data.texts["Entity"].tolist() == ["Ursula K. Le Guin", "Octavia E. Butler"]
