"""Cold items against the real test Neo4j (issue 13): a model trained with --cold-items reports cold and
warm metrics, and `cold_start` embeds an item added after training with the model's own item tower."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import kgrec
from kgrec.cypher import check_identifier
from kgrec.db import Graph
from kgrec.serve.vectors import strip
from tests.conftest import TEST_ENV


@pytest.fixture()
def kg(graph: Graph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KGREC_CONFIG", "/nonexistent/kgrec.toml")
    monkeypatch.setenv("KGREC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with kgrec.connect() as session:
        session.load("synthetic", users=40, items=60, events=700, seed=4, dataset="cold")
        yield session


def item_vector(graph: Graph, key: str, prop: str) -> np.ndarray:
    row = graph.query("MATCH (i:Item {key: $key}) RETURN i[$prop] AS vec", key=key, prop=prop)[0]
    return strip(np.array([row["vec"]], np.float32))[0]


def test_a_new_item_gets_the_vector_the_tower_gives_a_never_interacted_twin(kg, graph: Graph) -> None:
    outcome = kg.train("sage", "cold", epochs=2, threads=1, cold_items=0.2, kg_min_items=1)
    result = outcome.result
    assert result.test_cold and result.test_warm                      # both parts of the test reported
    assert set(result.test_cold) >= {"recall@20", "ndcg@20"}
    assert (result.run_dir / "tower.npz").exists()
    rows = kg.evaluate("cold", cold_items=0.2)
    assert [r["run"] for r in rows] == [result.run_id] and rows[0]["cold_recall@20"] == result.test_cold["recall@20"]
    assert kg.evaluate("cold", cold_items=0.3) == []
    version = kg.write_back(result.run_id)

    # a twin of a never-interacted item: same text, same KG links, added after training
    split = np.load(result.run_dir / "split.npz")
    from kgrec.data import GraphData

    data = GraphData.load(result.run_dir / "graph")
    keys = data.keys["Item"]
    original = str(keys[int(split["cold_items"][0])])
    links = graph.query("MATCH (i:Item {key: $key})-[r]-(n) WHERE NOT type(r) IN ['INTERACTED', 'FRIEND'] "
                        "RETURN type(r) AS rel, n.key AS key, startNode(r) = i AS out", key=original)
    assert links
    graph.query("MATCH (i:Item {key: $key}) CREATE (t:Item {key: $twin, id: 'twin', dataset: i.dataset, "
                "text: i.text, title: i.title})", key=original, twin="cold:twin")
    allowed = {r["rel"] for r in links}
    for link in links:
        rel = check_identifier(link["rel"], allowed, "relationship type")
        pattern = f"(t)-[:`{rel}`]->(n)" if link["out"] else f"(n)-[:`{rel}`]->(t)"
        graph.query(f"MATCH (t:Item {{key: 'cold:twin'}}), (n {{key: $key}}) CREATE {pattern}", key=link["key"])

    cold = kg.cold_start("cold")
    assert (cold.method, cold.items, cold.skipped) == ("item tower", 1, [])
    twin, original_vec = item_vector(graph, "cold:twin", version.property), item_vector(graph, original,
                                                                                        version.property)
    np.testing.assert_allclose(twin, original_vec, atol=2e-4)
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    served_scale = 0.8 * metrics["cold_calibration"]["multiplier"]      # cold_scale × the calibrated multiplier
    assert np.linalg.norm(twin) == pytest.approx(served_scale, rel=1e-3) and served_scale >= 0.2


def test_a_model_without_a_tower_falls_back_to_the_text_map(kg, graph: Graph) -> None:
    result = kg.train("bprmf", "cold", epochs=1, threads=1).result
    kg.encode_text(dataset="cold")
    kg.write_back(result.run_id)
    graph.query("MATCH (i:Item {key: 'cold:i1'}) CREATE (:Item {key: 'cold:new', id: 'new', dataset: 'cold', "
                "text: i.text})")
    cold = kg.cold_start("cold")
    assert (cold.method, cold.items) == ("text map", 1)
