"""`kgrec kg check` (kgrec.kg_quality) on a real Neo4j, the load warning, and `--kg-relations`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kgrec import kg_quality
from kgrec.data import GraphData
from kgrec.errors import KgrecError
from kgrec.graph import build_heterograph
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.ingest_fixtures import load_raw
from tests.train_fixtures import tiny_graph

HERE = Where("test", 0)
CLUSTER = 5


def hand_made() -> RawDataset:
    """5 items (d unlinked), 3 relation types incl. an Item-Item one and an Entity-Entity triple."""
    genres = {"a": ["Drama", "War"], "b": ["Drama"], "c": ["Comedy"], "d": [], "e": ["Drama"]}
    items = [NodeRow(i, {"title": i.upper(), "genres": g} if g else {"title": i.upper()}, HERE)
             for i, g in genres.items()]
    events = [EventRow(u, i, "rating", 4.0, 1.0, 100, None, HERE)
              for u, i in [("u1", "a"), ("u1", "b"), ("u2", "a"), ("u2", "c"), ("u3", "d"), ("u3", "e"), ("u4", "e")]]
    links = [PairRow(i, f"m.{i}", HERE) for i in "abce"]
    triples = [PairRow(h, t, HERE, rel) for h, rel, t in [
        ("m.a", "film.directed_by", "p1"), ("m.b", "film.directed_by", "p1"), ("m.c", "film.directed_by", "p2"),
        ("m.a", "film.sequel", "m.b"),
        ("m.a", "film.genre", "g1"), ("m.b", "film.genre", "g1"), ("m.c", "film.genre", "g1"),
        ("m.e", "film.genre", "g2"), ("p1", "film.genre", "g2")]]
    return RawDataset("hand", "test", items=items, events=events, links=links, triples=triples)


def test_exact_counts_on_a_hand_made_graph(graph) -> None:
    load_raw(graph, hand_made())
    report = kg_quality.check(graph, "hand", resamples=50)
    by = {q.relation: q for q in report.relations}
    assert sorted(by) == ["FILM_DIRECTED_BY", "FILM_GENRE", "FILM_SEQUEL"]
    counts = {rel: (q.items_linked, q.entities, q.triples, q.shared_pairs) for rel, q in by.items()}
    assert counts == {"FILM_DIRECTED_BY": (3, 2, 3, 1), "FILM_SEQUEL": (2, 0, 1, 1), "FILM_GENRE": (4, 3, 5, 3)}
    overall = report.overall
    assert (overall.items_linked, overall.entities, overall.triples, overall.shared_pairs) == (4, 4, 9, 3)
    assert overall.shared_pairs_exact and overall.sampled_pairs == 3
    assert (report.items, report.users, report.events) == (5, 4, 7)
    # genre: (a,b) and (a,c) are co-consumed (u1, u2), (b,c) is not; genres J(a,b) = 1/2, J(a,c) = J(b,c) = 0
    genre = by["FILM_GENRE"]
    assert genre.co_shared == pytest.approx(2 / 3)
    assert genre.genre_pairs == 3 and genre.genre_shared == pytest.approx(1 / 6)
    assert by["FILM_DIRECTED_BY"].co_shared == 1.0 and by["FILM_DIRECTED_BY"].genre_shared == pytest.approx(0.5)
    assert by["FILM_SEQUEL"].name == "film.sequel"


def test_cli_json_report_names_the_same_counts(graph) -> None:
    load_raw(graph, hand_made())
    done = run_cli("kg", "check", "--format", "json", "--resamples", "20", env=suite_env())
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["dataset"] == "hand" and payload["resamples"] == 20
    assert [(r["relation"], r["triples"]) for r in payload["relations"]] == \
        [("FILM_DIRECTED_BY", 3), ("FILM_GENRE", 5), ("FILM_SEQUEL", 1)]
    assert payload["overall"]["relation"] == kg_quality.ALL and payload["overall"]["items_linked"] == 4
    table = run_cli("kg", "check", "--dataset", "nosuch", env=suite_env())
    assert table.returncode == 1 and "dataset 'nosuch' is not loaded" in table.stderr


# -- planted vs shuffled --------------------------------------------------------------------------------

def consumption(n_users: int = 300, n_clusters: int = 40, seed: int = 7) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Users each like 2 clusters of CLUSTER items (3 items from each) plus 2 random items.

    Returns the (user, item) events and each item's planted cluster."""
    rng = np.random.default_rng(seed)
    n_items = n_clusters * CLUSTER
    events = set()
    for u in range(n_users):
        for c in rng.choice(n_clusters, 2, replace=False):
            for i in rng.choice(CLUSTER, 3, replace=False):
                events.add((u, int(c * CLUSTER + i)))
        for i in rng.choice(n_items, 2, replace=False):
            events.add((u, int(i)))
    return sorted(events), np.arange(n_items) // CLUSTER


def shuffled(clusters: np.ndarray, seed: int = 11) -> np.ndarray:
    return np.random.default_rng(seed).permutation(clusters)


def write_recbole(directory: Path, name: str, events: list[tuple[int, int]], clusters: np.ndarray) -> Path:
    """RecBole atomic files: interactions, item i linked to entity m.i, m.i -[cluster.member]-> c<k>."""
    folder = directory / name
    folder.mkdir(parents=True)
    (folder / f"{name}.inter").write_text("user_id:token\titem_id:token\n" +
                                          "".join(f"u{u}\ti{i}\n" for u, i in events))
    (folder / f"{name}.link").write_text("item_id:token\tentity_id:token\n" +
                                         "".join(f"i{i}\tm.{i}\n" for i in range(len(clusters))))
    (folder / f"{name}.kg").write_text("head_id:token\trelation_id:token\ttail_id:token\n" +
                                       "".join(f"m.{i}\tcluster.member\tc{c}\n" for i, c in enumerate(clusters)))
    return folder


def test_planted_kg_has_lift_above_one_and_shuffled_kg_contains_one(graph, tmp_path: Path) -> None:
    events, clusters = consumption()
    env = suite_env() | {"COLUMNS": "250"}
    for name, assignment in (("planted", clusters), ("shuffled", shuffled(clusters))):
        folder = write_recbole(tmp_path, name, events, assignment)
        done = run_cli("load", "recbole", str(folder), env=env)
        assert done.returncode == 0, done.stderr
        warned = "shows no co-consumption signal" in done.stdout
        assert warned == (name == "shuffled"), done.stdout
    planted = kg_quality.check(graph, "planted")
    flat = kg_quality.check(graph, "shuffled")
    for report in (planted, flat):
        assert [q.relation for q in report.relations] == ["CLUSTER_MEMBER"]
        q = report.relations[0]
        assert (q.items_linked, q.entities, q.triples) == (200, 40, 200)
        assert q.shared_pairs == 40 * 10 and q.sampled_pairs == 400 and q.shared_pairs_exact
    lift, null = planted.overall.lift, flat.overall.lift
    assert lift is not None and null is not None
    assert lift.low > 1.0 and planted.overall.signal, lift
    assert planted.overall.overlap_lift.low > 1.0   # the graded variant (heavy-tailed: no claim on the null)
    assert null.contains(1.0) and not flat.overall.signal, null
    # seeded: the same call gives the same interval
    assert kg_quality.check(graph, "planted").overall.lift == lift


def planted_graph_data() -> GraphData:
    """One GraphData with a PLANTED and a SHUFFLED relation over the same items (no database)."""
    events, clusters = consumption()
    inter = np.array(events, dtype=np.int64)
    n_items, n_clusters = len(clusters), int(clusters.max()) + 1
    items = np.arange(n_items)
    return GraphData("planted", {"User": np.array([f"planted:u{u}" for u in range(inter[:, 0].max() + 1)]),
                                 "Item": np.array([f"planted:i{i}" for i in items]),
                                 "Entity": np.array([f"planted:c{c}" for c in range(2 * n_clusters)])},
                     inter, np.ones(len(inter), np.float32), np.zeros(len(inter), np.int64),
                     np.full(len(inter), -1, np.int8),
                     {("Item", "PLANTED", "Entity"): np.stack([items, clusters], 1),
                      ("Item", "SHUFFLED", "Entity"): np.stack([items, shuffled(clusters) + n_clusters], 1)},
                     {"PLANTED": "planted", "SHUFFLED": "shuffled"})


def test_auto_keeps_only_the_relation_with_signal() -> None:
    data = planted_graph_data()
    filtered, kept, report = kg_quality.select_relations(data, "auto")
    assert kept == ["PLANTED"] and report is not None
    assert {rel for _, rel, _ in filtered.kg} == {"PLANTED"} and filtered.relation_names == {"PLANTED": "planted"}
    by = {q.relation: q for q in report.relations}
    assert by["PLANTED"].lift.low > 1.0 and by["SHUFFLED"].lift.contains(1.0)
    assert kg_quality.select_relations(data, "all")[1] == ["PLANTED", "SHUFFLED"]
    assert kg_quality.select_relations(data, "shuffled")[1] == ["SHUFFLED"]
    with pytest.raises(KgrecError, match="unknown relation 'GENRE'"):
        kg_quality.select_relations(data, "PLANTED,GENRE")


def test_rejection_sampling_is_uniform_over_distinct_pairs() -> None:
    """Big hubs switch from enumerating pairs to rejection sampling: same pairs, estimated count."""
    rng = np.random.default_rng(3)
    n_items = 80
    edges = np.concatenate([np.stack([rng.integers(0, n_items, 400), rng.integers(n_items, n_items + 12, 400)], 1),
                            np.stack([rng.integers(0, n_items, 30), rng.integers(0, n_items, 30)], 1)])
    exact, total, is_exact = kg_quality.shared_pairs(edges, n_items, 10**6, rng)
    assert is_exact and len(exact) == total
    universe = set(map(tuple, exact.tolist()))
    seen: dict[tuple[int, int], int] = {}
    for k in range(200):
        sample, estimate, is_exact = kg_quality.shared_pairs(edges, n_items, 40, np.random.default_rng(k),
                                                             enumerate_limit=10)
        assert not is_exact and len(sample) == 40 and len(set(map(tuple, sample.tolist()))) == 40
        assert abs(estimate - total) < 0.25 * total
        for pair in map(tuple, sample.tolist()):
            seen[pair] = seen.get(pair, 0) + 1
    assert set(seen) <= universe
    counts = np.array([seen.get(p, 0) for p in universe])
    # uniform: every pair expected 200*40/total times; a multiplicity bias would show as a much wider spread
    assert counts.std() < 1.5 * np.sqrt(counts.mean())


# -- training --------------------------------------------------------------------------------------------

def test_train_kg_relations_list_trains_on_those_relations_only(tmp_path: Path) -> None:
    tiny_graph(with_text=False).save(tmp_path / "graph")
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path / "runs"), "KGREC_TRAIN_EMBEDDING_SIZE": "8",
                         "OMP_NUM_THREADS": "1", "COLUMNS": "250"}
    done = run_cli("train", "--model", "kgat", "--epochs", "1", "--kg-relations", "sequel",
                   "--from-graph", str(tmp_path / "graph"), env=env)
    assert done.returncode == 0, done.stderr
    assert "keeping 1 of 2: SEQUEL" in done.stdout
    (run,) = (tmp_path / "runs").iterdir()
    config = json.loads((run / "config.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    assert config["kg_relations"] == "sequel" and config["kg_relations_kept"] == ["SEQUEL"]
    assert metrics["kg_relations_kept"] == ["SEQUEL"]
    trained = GraphData.load(run / "graph")
    assert list(trained.kg) == [("Item", "SEQUEL", "Item")]
    hg = build_heterograph(trained, np.arange(len(trained.interactions)))
    assert set(hg.etypes) == {"INTERACTED", "REV_INTERACTED", "SEQUEL", "REV_SEQUEL"}
    bad = run_cli("train", "--model", "kgat", "--epochs", "1", "--kg-relations", "HAS_GENRE,PREQUEL",
                  "--from-graph", str(tmp_path / "graph"), env=env)
    assert bad.returncode == 1 and "unknown relation 'PREQUEL'" in bad.stderr
    assert len(list((tmp_path / "runs").iterdir())) == 1


def test_default_keeps_every_relation_and_records_them(tmp_path: Path) -> None:
    from kgrec.models.config import load_config
    from kgrec.train import trainer

    config = load_config({"model": "bprmf", "epochs": 1, "embedding_size": 8, "threads": 1}, env={})
    assert config.kg_relations == "all"
    run_dir, metrics = trainer.train_new(tiny_graph(with_text=False), config, tmp_path)
    assert metrics["kg_relations_kept"] == ["HAS_GENRE", "SEQUEL"]
    assert json.loads((run_dir / "config.json").read_text())["kg_relations_kept"] == ["HAS_GENRE", "SEQUEL"]
