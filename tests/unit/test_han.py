"""HAN on metapath neighbours (computed here in numpy with the same PathSim definition as the Cypher
statements; the Cypher itself is checked against Neo4j in tests/integration/test_metapath_edges.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from kgrec.api import Kgrec
from kgrec.errors import KgrecError
from kgrec.graph import metapath_graph
from kgrec.metapath_edges import MetapathInfo
from kgrec.models.config import TrainConfig, load_config
from kgrec.models.han import HAN
from kgrec.settings import load_settings
from kgrec.train.metrics import evaluate_full_ranking
from kgrec.train.runs import RunStore, list_runs
from kgrec.train.split import make_split
from kgrec.train.trainer import train_new
from tests.train_fixtures import tiny_graph

METAPATHS = "U-I-U,I-U-I,I-E-I"


def pathsim_top_n(adjacency: np.ndarray, top_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-n PathSim neighbours (b != a, ties by index) of the symmetric metapath A·Aᵀ (binary A)."""
    paths = adjacency @ adjacency.T
    diag = np.diag(paths)
    pairs, weights = [], []
    for a in range(len(paths)):
        sims = [(2 * paths[a, b] / (diag[a] + diag[b]), b) for b in range(len(paths)) if b != a and paths[a, b]]
        for sim, b in sorted(sims, key=lambda s: (-s[0], s[1]))[:top_n]:
            pairs.append((a, b))
            weights.append(sim)
    return np.array(pairs, np.int64).reshape(-1, 2), np.array(weights, np.float32)


def with_metapaths(data, split, top_n: int = 5):
    """``data`` with U-I-U, I-U-I, I-E-I materialised from the training interactions of ``split``."""
    ui = np.zeros((data.num_users, data.num_items))
    pairs = data.interactions[split.train]
    ui[pairs[:, 0], pairs[:, 1]] = 1
    ie = np.zeros((data.num_items, data.num_nodes("Entity")))
    genre = data.kg[("Item", "HAS_GENRE", "Entity")]
    ie[genre[:, 0], genre[:, 1]] = 1
    edges, weights = {}, {}
    for name, adjacency in (("U-I-U", ui), ("I-U-I", ui.T), ("I-E-I", ie)):
        edges[name], weights[name] = pathsim_top_n(adjacency, top_n)
    info = MetapathInfo(("U-I-U", "I-U-I", "I-E-I"), top_n, "pathsim", split.split_id).to_dict()
    return replace(data, metapaths=edges, metapath_weights=weights, metapath_info=info)


def han_config(**overrides) -> TrainConfig:
    base = load_config({"model": "han", "metapaths": METAPATHS, "epochs": 40, "embedding_size": 16,
                        "batch_size": 64, "lr": 0.01, "patience": 40, "use_text": False, "threads": 1}, env={})
    return replace(base, **overrides)


def test_metapath_graph_has_self_loops_and_weight_priors() -> None:
    g = metapath_graph(np.array([[0, 1], [0, 2], [1, 0]]), np.array([0.8, 0.4, 0.8], np.float32), 3)
    src, dst = (t.tolist() for t in g.edges())
    assert list(zip(src, dst, strict=True)) == [(1, 0), (2, 0), (0, 1), (0, 0), (1, 1), (2, 2)]  # neighbour -> node
    np.testing.assert_allclose(g.edata["prior"].numpy(), [0.0, np.log(0.5), 0.0, 0.0, 0.0, 0.0], atol=1e-6)


def test_han_trains_beats_random_and_records_semantic_attention(tmp_path) -> None:
    torch.manual_seed(0)
    data = tiny_graph(n_users=40, n_items=30, seed=1, with_text=False)
    split = make_split(data, 0)
    data = with_metapaths(data, split)
    run_dir, metrics = train_new(data, han_config(), tmp_path, split=split)
    test = data.interactions[split.test]
    seen = data.interactions[np.concatenate([split.train, split.valid])]
    rng = np.random.default_rng(0)
    random_ndcg = np.mean([evaluate_full_ranking(lambda u: torch.from_numpy(rng.random((len(u), data.num_items))),
                                                 data.num_users, (test[:, 0], test[:, 1]),
                                                 (seen[:, 0], seen[:, 1]), (10,))["ndcg@10"] for _ in range(20)])
    assert metrics["test"]["ndcg@10"] > random_ndcg + 0.1, (metrics["test"], random_ndcg)
    recorded = json.loads((run_dir / "metrics.json").read_text())
    attention = recorded["semantic_attention"]
    assert recorded["metapaths"] == ["U-I-U", "I-U-I", "I-E-I"]
    assert set(attention) == set(recorded["metapaths"])                  # (metrics.json sorts keys)
    assert attention["U-I-U"] == pytest.approx(1.0)                      # the only user metapath
    assert attention["I-U-I"] + attention["I-E-I"] == pytest.approx(1.0, abs=1e-5)
    assert 0 < attention["I-E-I"] < 1
    assert recorded["metapath_edges"] == {name: len(data.metapaths[name]) for name in recorded["metapaths"]}
    row = list_runs(tmp_path)[0]
    assert row["metapaths"] == (f"U-I-U {attention['U-I-U']:.2f}, I-U-I {attention['I-U-I']:.2f}, "
                                f"I-E-I {attention['I-E-I']:.2f}")
    config = json.loads((run_dir / "config.json").read_text())
    assert config["metapaths"] == METAPATHS and config["metapath_weight"] == "pathsim"


def test_han_uses_its_metapath_neighbours() -> None:
    """Changing one metapath's neighbour lists changes the item vectors (messages really pass)."""
    data = tiny_graph(with_text=False)
    split = make_split(data, 0)
    data = with_metapaths(data, split)
    torch.manual_seed(0)
    before = HAN(data, split.train, han_config()).embeddings()["Item"]
    shifted = data.metapaths["I-E-I"].copy()
    shifted[:, 1] = (shifted[:, 1] + 1) % data.num_items
    rewired = replace(data, metapaths={**data.metapaths, "I-E-I": shifted})
    torch.manual_seed(0)
    after = HAN(rewired, split.train, han_config()).embeddings()["Item"]
    torch.manual_seed(0)
    again = HAN(data, split.train, han_config()).embeddings()["Item"]
    np.testing.assert_array_equal(before, again)
    assert not np.allclose(before, after)


def test_han_refuses_a_metapath_that_was_not_materialised() -> None:
    data = tiny_graph(with_text=False)
    split = make_split(data, 0)
    data = with_metapaths(data, split)
    with pytest.raises(KgrecError, match="metapath I-I-I was not materialised"):
        HAN(data, split.train, han_config(metapaths="U-I-U,I-I-I"))


def test_ablate_han_yields_one_row_per_metapath_dropped(tmp_path) -> None:
    data = tiny_graph(with_text=False)
    split = make_split(data, 2020)                      # the default split seed: reused, no Neo4j needed
    data = with_metapaths(data, split)
    kg = Kgrec(load_settings(env={}), RunStore(tmp_path))
    ablation = kg.ablate("han", "tiny", data=data, metapaths=METAPATHS, metapath_top_n=5, epochs=2,
                         embedding_size=8, use_text=False, threads=1)
    assert [r.variant for r in ablation.results] == ["full", "no-U-I-U", "no-I-U-I", "no-I-E-I"]
    assert ablation.split_id == split.split_id
    recorded = [json.loads((r.run_dir / "metrics.json").read_text())["metapaths"] for r in ablation.results]
    assert recorded == [["U-I-U", "I-U-I", "I-E-I"], ["I-U-I", "I-E-I"], ["U-I-U", "I-E-I"], ["U-I-U", "I-U-I"]]


def test_metapaths_need_han_and_han_needs_metapaths(tmp_path) -> None:
    data = tiny_graph(with_text=False)
    kg = Kgrec(load_settings(env={}), RunStore(tmp_path))
    with pytest.raises(KgrecError, match="--model han needs --metapaths"):
        kg.train("han", "tiny", data=data, epochs=1)
    with pytest.raises(KgrecError, match="--metapaths is used by --model han only"):
        kg.train("bprmf", "tiny", data=data, epochs=1, metapaths="U-I-U")
    with pytest.raises(KgrecError, match="metapath_weight must be pathsim or count"):
        kg.train("han", "tiny", data=data, epochs=1, metapaths="U-I-U", metapath_weight="cosine")


def test_han_run_resumes_from_its_saved_graph_without_neo4j(tmp_path) -> None:
    """The run's saved graph carries the metapath edges, so resume needs no database."""
    from kgrec.data import GraphData
    from kgrec.train.trainer import resume

    data = tiny_graph(with_text=False)
    split = make_split(data, 0)
    data = with_metapaths(data, split)
    run_dir, _ = train_new(data, han_config(epochs=2), tmp_path, split=split)
    saved = GraphData.load(run_dir / "graph")
    assert saved.metapath_info == data.metapath_info
    for name in data.metapaths:
        np.testing.assert_array_equal(saved.metapaths[name], data.metapaths[name])
        np.testing.assert_array_equal(saved.metapath_weights[name], data.metapath_weights[name])
    assert saved.checksum() == tiny_graph(with_text=False).checksum()      # metapaths are not the dataset
    metrics = resume(run_dir)
    assert set(metrics["semantic_attention"]) == {"U-I-U", "I-U-I", "I-E-I"}


def test_forget_scrubs_a_users_metapath_rows_from_a_han_run(tmp_path) -> None:
    from kgrec.data import GraphData
    from kgrec.privacy import scrub_run

    data = tiny_graph(with_text=False)
    split = make_split(data, 0)
    data = with_metapaths(data, split)
    run_dir, _ = train_new(data, han_config(epochs=1), tmp_path, split=split)
    assert (data.metapaths["U-I-U"] == 3).any()
    assert scrub_run(run_dir, "tiny:u3")
    saved = GraphData.load(run_dir / "graph")
    assert not (saved.metapaths["U-I-U"] == 3).any()
    kept = (data.metapaths["U-I-U"] != 3).all(axis=1)
    np.testing.assert_array_equal(saved.metapaths["U-I-U"], data.metapaths["U-I-U"][kept])
    np.testing.assert_array_equal(saved.metapath_weights["U-I-U"], data.metapath_weights["U-I-U"][kept])
    assert "I-U-I" not in saved.metapaths                   # aggregated over u3's interactions: dropped whole
    np.testing.assert_array_equal(saved.metapaths["I-E-I"], data.metapaths["I-E-I"])   # no user in it
    assert saved.metapath_info["names"] == ["U-I-U", "I-E-I"]
