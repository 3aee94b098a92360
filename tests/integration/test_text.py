"""encode-text against the real test Neo4j: vectors stored as node properties, disk cache reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgrec.cypher import statement
from kgrec.db import Graph
from kgrec.text import Encoder, TextCache, encode_graph_text, graph_text_features
from tests.train_fixtures import tiny_graph

ROWS = [{"label": "Item", "key": "tt:1", "id": "1", "dataset": "tt", "text": "Toy Story (1995). Animation, Comedy"},
        {"label": "Item", "key": "tt:2", "id": "2", "dataset": "tt", "text": "Heat (1995). Crime, Thriller"},
        {"label": "Item", "key": "tt:3", "id": "3", "dataset": "tt", "text": None},
        {"label": "Entity", "key": "tt:e1", "id": "e1", "dataset": "tt", "text": "Pixar"},
        {"label": "Entity", "key": "tt:e2", "id": "e2", "dataset": "tt", "text": None}]


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder("", batch_size=8)


def test_encode_text_writes_vectors_and_reuses_cache(graph: Graph, tmp_path: Path, encoder: Encoder,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    list(graph.write_batches(statement("text/fixture_nodes"), ROWS))
    monkeypatch.setattr("kgrec.text.Encoder", lambda name, batch_size: encoder)
    report = encode_graph_text(graph, tmp_path, dataset="tt")
    assert report["Item"]["texts"] == 2 and report["Item"]["encoded"] == 2
    assert report["Entity"]["texts"] == 1 and report["Entity"]["written"] == 1
    stored = graph.run("text/text_vectors", dataset="tt")
    assert [r["key"] for r in stored] == ["tt:1", "tt:2", "tt:e1"]
    assert {r["dimension"] for r in stored} == {384} and {r["model"] for r in stored} == {"all-MiniLM-L6-v2"}
    direct = encoder.encode(["Pixar"])[0]
    np.testing.assert_allclose(stored[2]["vector"], direct, atol=1e-5)
    again = encode_graph_text(graph, tmp_path, dataset="tt")
    assert again["Item"]["encoded"] == 0 and again["Item"]["cached"] == 2


def test_training_features_align_with_graph_texts(tmp_path: Path, encoder: Encoder) -> None:
    data = tiny_graph()
    features = graph_text_features(data, tmp_path, encoder)   # the encoder is injected
    vectors, mask = features["Item"]
    assert vectors.shape == (data.num_items, 384)
    assert mask.tolist() == [t is not None for t in data.texts["Item"]]
    assert np.allclose(vectors[~mask], 0) and np.allclose(np.linalg.norm(vectors[mask], axis=1), 1, atol=1e-4)
    cache = TextCache(tmp_path, "")
    assert len(cache.index) == int(mask.sum())
