"""Metapath neighbour relations materialised in Cypher: exact PathSim / count weights on a hand-made
graph, top-N, the no-leak rule (held-out events create no edge) and the --metapaths errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kgrec.errors import KgrecError
from kgrec.export import export_graph
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from kgrec.metapath_edges import materialise
from kgrec.train.split import make_split
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.ingest_fixtures import load_raw

HERE = Where("hand-made", 0)
# (user, item, split): u3-i1 exists ONLY in test and u1-i4 only in valid; neither may create an edge.
EVENTS = [("u1", "i1", "train"), ("u1", "i2", "train"), ("u2", "i1", "train"), ("u2", "i2", "train"),
          ("u2", "i3", "train"), ("u3", "i3", "train"), ("u3", "i1", "test"), ("u1", "i4", "valid")]
# items i1..i4 are entities m1..m4; two relation types Item-Entity, and a reverse duplicate (g1 -> m1)
TRIPLES = [("m1", "film.genre", "g1"), ("m2", "film.genre", "g1"), ("m3", "film.genre", "g1"),
           ("m3", "film.genre", "g2"), ("m4", "film.genre", "g2"), ("m1", "film.directed_by", "p1"),
           ("m2", "film.directed_by", "p1"), ("g1", "genre.films", "m1")]


def hand_made(events: list[tuple[str, str, str]] = EVENTS) -> RawDataset:
    raw = RawDataset(name="mp", source="hand-made", users_declared=True, items_declared=True)
    raw.users = [NodeRow(f"u{n}", {}, HERE) for n in (1, 2, 3)]
    raw.items = [NodeRow(f"i{n}", {"title": f"item {n}"}, HERE) for n in (1, 2, 3, 4)]
    raw.entities = [NodeRow(e, {"name": e}, HERE) for e in ("g1", "g2", "p1")]
    raw.links = [PairRow(f"i{n}", f"m{n}", HERE) for n in (1, 2, 3, 4)]
    raw.triples = [PairRow(h, t, HERE, rel) for h, rel, t in TRIPLES]
    raw.events = [EventRow(u, i, "rating", 4.0, 1.0, 1000 + n, split, HERE)
                  for n, (u, i, split) in enumerate(events)]
    return raw


def neighbour_table(data, name: str) -> dict[str, list[tuple[str, float]]]:
    """{node id: [(neighbour id, weight), …] in weight-descending order} of one materialised metapath."""
    keys = data.keys["User" if name.startswith("U") else "Item"]
    table: dict[str, list[tuple[str, float]]] = {}
    for (a, b), w in zip(data.metapaths[name], data.metapath_weights[name], strict=True):
        table.setdefault(keys[a].split(":")[1], []).append((keys[b].split(":")[1], round(float(w), 4)))
    return {k: sorted(v, key=lambda p: (-p[1], p[0])) for k, v in table.items()}


@pytest.fixture()
def exported(graph):
    load_raw(graph, hand_made())
    data = export_graph(graph, "mp")
    return data, make_split(data)


def test_pathsim_neighbours_are_exact(graph, exported):
    data, split = exported
    assert split.source == "dataset" and len(split.test) == 1 and len(split.valid) == 1
    data = materialise(graph, data, "U-I-U,I-E-I,I-U-I,U-I-E-I-U", split.train, split.split_id, top_n=5)
    # training adjacency u1:{i1,i2} u2:{i1,i2,i3} u3:{i3}; PathSim = 2|p(a,b)| / (|p(a,a)| + |p(b,b)|)
    assert neighbour_table(data, "U-I-U") == {"u1": [("u2", 0.8)], "u2": [("u1", 0.8), ("u3", 0.5)],
                                              "u3": [("u2", 0.5)]}
    # entities (binary: g1-m1 twice counts once) i1:{g1,p1} i2:{g1,p1} i3:{g1,g2} i4:{g2}
    assert neighbour_table(data, "I-E-I") == {"i1": [("i2", 1.0), ("i3", 0.5)], "i2": [("i1", 1.0), ("i3", 0.5)],
                                              "i3": [("i4", 0.6667), ("i1", 0.5), ("i2", 0.5)],
                                              "i4": [("i3", 0.6667)]}
    # 4 hops: c(u, e) u1: g1 2, p1 2; u2: g1 3, p1 2, g2 1; u3: g1 1, g2 1 -> p(u1,u2) = 10, |p(u1,u1)| = 8 ...
    assert neighbour_table(data, "U-I-E-I-U") == {"u1": [("u2", 0.9091), ("u3", 0.4)],
                                                  "u2": [("u1", 0.9091), ("u3", 0.5)],
                                                  "u3": [("u2", 0.5), ("u1", 0.4)]}
    assert data.metapath_info == {"names": ["U-I-U", "I-E-I", "I-U-I", "U-I-E-I-U"], "top_n": 5,
                                  "weighting": "pathsim", "split_id": split.split_id}


def test_held_out_interactions_create_no_metapath_edge(graph, exported):
    data, split = exported
    data = materialise(graph, data, "I-U-I,U-I-U", split.train, split.split_id)
    # u3-i1 (test) would make i1~i3 share u3 and u3~u1 share i1; u1-i4 (valid) would give i4 neighbours
    assert neighbour_table(data, "I-U-I") == {"i1": [("i2", 1.0), ("i3", 0.5)], "i2": [("i1", 1.0), ("i3", 0.5)],
                                              "i3": [("i1", 0.5), ("i2", 0.5)]}
    assert "u1" not in dict(neighbour_table(data, "U-I-U")["u3"])
    # the same statements over every event DO see them: the exclusion is what keeps them out
    everything = np.arange(len(data.interactions))
    leaked = neighbour_table(materialise(graph, data, "I-U-I", everything, "all-events"), "I-U-I")
    assert leaked["i1"][0] == ("i2", 0.8) and ("i3", 0.8) in leaked["i1"] and "i4" in leaked


def test_count_weighting_and_top_n(graph, exported):
    data, split = exported
    data = materialise(graph, data, "U-I-U,I-E-I", split.train, split.split_id, top_n=1, weighting="count")
    assert neighbour_table(data, "U-I-U") == {"u1": [("u2", 2.0)], "u2": [("u1", 2.0)], "u3": [("u2", 1.0)]}
    # ties broken by neighbour key: i3's neighbours i1, i2, i4 all share one entity
    assert neighbour_table(data, "I-E-I") == {"i1": [("i2", 2.0)], "i2": [("i1", 2.0)], "i3": [("i1", 1.0)],
                                              "i4": [("i3", 1.0)]}


@pytest.mark.parametrize(("text", "message"), [
    ("U-X-U", "use 3 to 5 of U, I, E"),
    ("U-E-U", "the dataset has no U-E relationships"),
    ("U-I-E", "must be symmetric"),
    ("E-I-E", "must start and end at U or I"),
    ("U-U-U", "the dataset has no U-U relationships"),
    ("U-I-U,u-i-u", "U-I-U listed twice"),
])
def test_unknown_or_impossible_metapaths_are_one_clear_error(graph, exported, text, message):
    data, split = exported
    with pytest.raises(KgrecError, match=message):
        materialise(graph, data, text, split.train, split.split_id)
    assert data.metapaths == {}


def numpy_pathsim(adjacency: np.ndarray, top_n: int) -> dict[int, list[tuple[int, float]]]:
    """Top-n PathSim neighbours of the symmetric metapath A·Aᵀ (binary A), ties by index = key order."""
    paths = adjacency @ adjacency.T
    diag = np.diag(paths)
    table = {}
    for a in range(len(paths)):
        sims = sorted(((float(np.float32(2 * paths[a, b] / (diag[a] + diag[b]))), b) for b in range(len(paths))
                       if b != a and paths[a, b]), key=lambda s: (-s[0], s[1]))[:top_n]
        if sims:
            table[a] = [(b, s) for s, b in sims]
    return table


def as_table(pairs: np.ndarray, weights: np.ndarray) -> dict[int, list[tuple[int, float]]]:
    table: dict[int, list[tuple[int, float]]] = {}
    for (a, b), w in zip(pairs.tolist(), weights.tolist(), strict=True):
        table.setdefault(a, []).append((b, w))
    return {a: sorted(rows, key=lambda r: (-r[1], r[0])) for a, rows in table.items()}


def test_train_han_end_to_end_matches_numpy_and_serves(graph, settings, tmp_path):
    """`train --model han` on a synthetic dataset: the run's metapath edges equal numpy PathSim over the
    run's own training split (so no held-out pair is used), the run records the semantic attention, and
    the HAN vectors write back and serve like any model's."""
    from kgrec.api import Kgrec
    from kgrec.data import GraphData
    from kgrec.train.runs import RunStore
    from kgrec.train.split import load_split

    kg = Kgrec(settings, RunStore(tmp_path / "runs"))
    kg.load("synthetic", users=40, items=60, events=600, dataset="demo")
    result = kg.train("han", "demo", metapaths="U-I-U,I-E-I,I-U-I", metapath_top_n=8, epochs=3,
                      embedding_size=16, use_text=False, threads=1).result
    saved = GraphData.load(result.run_dir / "graph")
    split = load_split(result.run_dir / "split.npz")
    assert saved.metapath_info["split_id"] == split.split_id == result.split_id
    train = saved.interactions[split.train]
    ui = np.zeros((saved.num_users, saved.num_items))
    ui[train[:, 0], train[:, 1]] = 1
    ie = np.zeros((saved.num_items, saved.num_nodes("Entity")))
    for (head, _, tail), pairs in saved.kg.items():
        if (head, tail) == ("Item", "Entity"):
            ie[pairs[:, 0], pairs[:, 1]] = 1
    for name, adjacency in (("U-I-U", ui), ("I-U-I", ui.T), ("I-E-I", ie)):
        assert as_table(saved.metapaths[name], saved.metapath_weights[name]) == numpy_pathsim(adjacency, 8), name
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert metrics["metapaths"] == ["U-I-U", "I-E-I", "I-U-I"]
    beta = metrics["semantic_attention"]
    assert beta["U-I-U"] == pytest.approx(1.0) and beta["I-E-I"] + beta["I-U-I"] == pytest.approx(1.0, abs=1e-5)
    row = next(r for r in kg.evaluate("demo") if r["run"] == result.run_id)
    assert row["metapaths"].startswith("U-I-U 1.00, I-E-I ")
    kg.write_back(result.run_id)
    recs = kg.recommend("u1", k=5, dataset="demo")
    assert len(recs.items) == 5 and [i.score for i in recs.items] == sorted((i.score for i in recs.items),
                                                                             reverse=True)


def test_cli_train_han_refuses_a_bad_metapath_in_one_line(graph, tmp_path):
    load_raw(graph, hand_made())
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path / "runs"), "OMP_NUM_THREADS": "1"}
    proc = run_cli("train", "--model", "han", "--dataset", "mp", "--metapaths", "U-I-U,I-E-U", "--epochs", "1",
                   env=env)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr == "error: metapath 'I-E-U': the dataset has no E-U relationships\n"
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())   # nothing recorded


def test_cli_ablate_han_prints_a_row_per_metapath_dropped_and_evaluate_shows_attention(graph, tmp_path):
    load_raw(graph, hand_made())
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path / "runs"), "OMP_NUM_THREADS": "1"}
    proc = run_cli("ablate", "--model", "han", "--dataset", "mp", "--metapaths", "U-I-U,I-E-I,I-U-I",
                   "--epochs", "1", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["variant"] for r in rows] == ["full", "no-U-I-U", "no-I-E-I", "no-I-U-I"]
    listed = json.loads(run_cli("evaluate", "--dataset", "mp", "--format", "json", env=env).stdout)
    shown = {r["run"]: r["metapaths"] for r in listed}
    assert shown[rows[0]["run"]].startswith("U-I-U 1.00, I-E-I ")
    assert shown[rows[1]["run"]].startswith("I-E-I ") and "U-I-U" not in shown[rows[1]["run"]]
    assert shown[rows[2]["run"]].startswith("U-I-U 1.00, I-U-I 1.00")     # I-U-I alone on the item side


def test_cold_items_get_no_interaction_metapath_neighbours(graph, settings, tmp_path):
    """With --cold-items, the cold items' interactions are not training pairs, so I-U-I never links them."""
    from kgrec.api import Kgrec
    from kgrec.data import GraphData
    from kgrec.train.runs import RunStore
    from kgrec.train.split import load_split

    kg = Kgrec(settings, RunStore(tmp_path / "runs"))
    kg.load("synthetic", users=40, items=60, events=600, dataset="demo")
    result = kg.train("han", "demo", metapaths="I-U-I,I-E-I", cold_items=0.2, epochs=1, embedding_size=8,
                      use_text=False, threads=1).result
    saved = GraphData.load(result.run_dir / "graph")
    cold = load_split(result.run_dir / "split.npz").cold_items
    assert len(cold) >= 5
    assert not np.isin(saved.metapaths["I-U-I"], cold).any()
    assert np.isin(saved.metapaths["I-E-I"], cold).any()          # the KG still links them
