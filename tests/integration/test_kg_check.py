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
    counts = {rel: (q.items_linked, q.entities, q.triples, q.shared_pairs, q.hubs, q.sampled_pairs)
              for rel, q in by.items()}
    assert counts == {"FILM_DIRECTED_BY": (3, 2, 3, 1, 1, 1), "FILM_SEQUEL": (2, 0, 1, 1, 1, 1),
                      "FILM_GENRE": (4, 3, 5, 3, 1, 3)}
    overall = report.overall
    # (all): hubs p1 {a,b}, g1 {a,b,c} and the direct edge a-b; g2 joins e with the entity p1 only
    assert (overall.items_linked, overall.entities, overall.triples, overall.shared_pairs) == (4, 4, 9, 3)
    assert overall.shared_pairs_exact and (overall.hubs, overall.sampled_pairs) == (3, 5)
    assert (report.items, report.users, report.events) == (5, 4, 7)
    # 4 users; consumers a {u1,u2}, b {u1}, c {u2}: observed / expected co-consumers (|Ui||Uj|/4)
    # ab 1 / 0.5, ac 1 / 0.5, bc 0 / 0.25; genres J(a,b) = 1/2, J(a,c) = J(b,c) = 0
    genre = by["FILM_GENRE"]
    assert genre.oe_shared == pytest.approx(2 / 1.25) and genre.co_shared == pytest.approx(2 / 3)
    assert genre.genre_pairs == 3 and genre.genre_shared == pytest.approx(1 / 6)
    directed = by["FILM_DIRECTED_BY"]
    assert directed.oe_shared == pytest.approx(2.0) and directed.genre_shared == pytest.approx(0.5)
    # random pairs come from the shared pairs' endpoints: only a-b here, so the lift is exactly 1
    assert directed.oe_random == pytest.approx(2.0) and directed.lift == kg_quality.Interval(1.0, 1.0, 1.0)
    # each hub weighs 1 in (all): p1 (ab), g1 (ab, ac, bc at 1/3 each), direct ab
    assert overall.oe_shared == pytest.approx((1 + 2 / 3 + 1) / (0.5 + 1.25 / 3 + 0.5))
    assert overall.co_shared == pytest.approx((1 + 2 / 3 + 1) / 3)
    assert overall.genre_shared == pytest.approx((0.5 + 0.5 / 3 + 0.5) / 3)
    assert by["FILM_SEQUEL"].name == "film.sequel"


def test_cli_json_report_names_the_same_counts(graph) -> None:
    load_raw(graph, hand_made())
    done = run_cli("kg", "check", "--format", "json", "--resamples", "20", env=suite_env())
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["dataset"] == "hand" and payload["resamples"] == 20
    assert [(r["relation"], r["triples"], r["hubs"]) for r in payload["relations"]] == \
        [("FILM_DIRECTED_BY", 3, 1), ("FILM_GENRE", 5, 1), ("FILM_SEQUEL", 1, 1)]
    overall = payload["overall"]
    assert overall["relation"] == kg_quality.ALL and overall["items_linked"] == 4
    assert overall["oe_shared"] == pytest.approx((1 + 2 / 3 + 1) / (0.5 + 1.25 / 3 + 0.5))
    assert payload["relations"][0]["lift"] == {"value": 1.0, "low": 1.0, "high": 1.0}
    assert payload["relations"][0]["verdict"] == "no signal"
    table = run_cli("kg", "check", "--dataset", "nosuch", env=suite_env())
    assert table.returncode == 1 and "dataset 'nosuch' is not loaded" in table.stderr


# -- planted vs shuffled --------------------------------------------------------------------------------

N_USERS, N_CLUSTERS, NOISE = 1000, 200, 15
SHUFFLE_SEED = 11   # its lift is 0.998, mid-interval (over 200 shuffles: mean 1.001, sd 0.033, 97% contain 1)


def consumption(n_users: int = N_USERS, n_clusters: int = N_CLUSTERS, noise: int = NOISE,
                seed: int = 7) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Users each like 2 clusters of CLUSTER items (3 items from each) plus ``noise`` random items.

    Returns the (user, item) events and each item's planted cluster. The noise keeps the planted signal
    moderate (lift ≈ 8): with strong clusters the few same-cluster pairs that a shuffled KG gets by chance
    dominate its O/E and make the shuffled interval erratic."""
    rng = np.random.default_rng(seed)
    n_items = n_clusters * CLUSTER
    events = set()
    for u in range(n_users):
        for c in rng.choice(n_clusters, 2, replace=False):
            for i in rng.choice(CLUSTER, 3, replace=False):
                events.add((u, int(c * CLUSTER + i)))
        for i in rng.choice(n_items, noise, replace=False):
            events.add((u, int(i)))
    return sorted(events), np.arange(n_items) // CLUSTER


def shuffled(clusters: np.ndarray, seed: int = SHUFFLE_SEED) -> np.ndarray:
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
        warned = "shows no co-consumption signal: popularity-corrected lift" in done.stdout
        assert warned == (name == "shuffled"), done.stdout
    planted = kg_quality.check(graph, "planted")
    flat = kg_quality.check(graph, "shuffled")
    n_items = N_CLUSTERS * CLUSTER
    for report in (planted, flat):
        assert [q.relation for q in report.relations] == ["CLUSTER_MEMBER"]
        q = report.relations[0]
        assert (q.items_linked, q.entities, q.triples) == (n_items, N_CLUSTERS, n_items)
        assert q.shared_pairs == q.sampled_pairs == N_CLUSTERS * 10 and q.shared_pairs_exact
        assert q.hubs == N_CLUSTERS
    lift, null = planted.overall.lift, flat.overall.lift
    assert lift is not None and null is not None
    assert lift.low > 5.0 and planted.overall.signal, lift
    assert null.contains(1.0) and not flat.overall.signal, null
    assert abs(null.value - 1.0) < 0.01 and null.high - null.low < 0.2, null   # ≈ 1, mid-interval
    # informational yes/no rate (some common user): planted pairs nearly always, shuffled ones like random pairs
    assert planted.overall.co_shared > 0.95 and abs(flat.overall.co_shared - flat.overall.co_random) < 0.05
    # seeded: the same call gives the same interval
    assert kg_quality.check(graph, "planted").overall.lift == lift


def cluster_arrays(assignment: np.ndarray, events: list[tuple[int, int]] | None = None,
                   extra: dict[str, np.ndarray] | None = None) -> kg_quality.KgArrays:
    """KgArrays of the consumption fixture with item i -[MEMBER]-> entity of its cluster in ``assignment``."""
    events = consumption()[0] if events is None else events
    n_items = len(assignment)
    relations = {"MEMBER": np.stack([np.arange(n_items), assignment + n_items], 1), **(extra or {})}
    return kg_quality.KgArrays("fixture", n_items, np.array(events, np.int64), relations)


def test_shuffled_intervals_contain_one_about_95_percent_of_the_time() -> None:
    """Calibration over 40 shuffles (not one lucky seed); a planted KG is far above 1 every time."""
    events, clusters = consumption()
    lifts = [kg_quality.assess(cluster_arrays(shuffled(clusters, seed), events), per_relation=False,
                               resamples=100, seed=seed).overall.lift for seed in range(40)]
    covered = sum(iv.contains(1.0) for iv in lifts)
    assert covered >= 36, [f"{iv.value:.3f} [{iv.low:.3f}, {iv.high:.3f}]" for iv in lifts]
    assert abs(np.mean([iv.value for iv in lifts]) - 1.0) < 0.02
    planted = [kg_quality.assess(cluster_arrays(clusters, events), per_relation=False, resamples=100,
                                 seed=seed).overall.lift for seed in range(3)]
    assert min(iv.low for iv in planted) > 5.0


def test_whole_kg_lift_is_not_drowned_by_hub_entities() -> None:
    """Two 'country' hubs of 500 items each give 249,500 shared pairs against 2,000 planted ones; weighing
    hubs (not pairs) equally keeps the planted signal in the whole-KG row."""
    events, clusters = consumption()
    n_items = len(clusters)
    country = np.random.default_rng(5).permutation(np.arange(n_items) % 2)
    extra = {"COUNTRY": np.stack([np.arange(n_items), country + n_items + N_CLUSTERS], 1)}
    report = kg_quality.assess(cluster_arrays(clusters, events, extra), resamples=100)
    by = {q.relation: q for q in report.relations}
    assert by["COUNTRY"].shared_pairs == 2 * 500 * 499 // 2 and by["COUNTRY"].hubs == 2
    assert abs(by["COUNTRY"].lift.value - 1.0) < 0.03, by["COUNTRY"].lift    # random halves: no signal
    overall = report.overall
    assert overall.shared_pairs == 249_500 + 2_000 - _overlap_pairs(clusters, country) and overall.shared_pairs_exact
    assert overall.hubs == N_CLUSTERS + 2 and overall.sampled_pairs == kg_quality.DEFAULT_PAIRS
    assert overall.lift.low > 5.0, overall.lift
    # uniform over distinct pairs, the planted pairs would be < 1% of the sample and the lift 1.03
    assert 2_000 / overall.shared_pairs < 0.01


def _overlap_pairs(clusters: np.ndarray, country: np.ndarray) -> int:
    """Planted pairs that also share a country (counted once in the union)."""
    n = len(clusters)
    i, j = np.triu_indices(n, 1)
    return int(((clusters[i] == clusters[j]) & (country[i] == country[j])).sum())


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
    assert by["PLANTED"].lift.low > 5.0 and by["SHUFFLED"].lift.contains(1.0)
    assert abs(by["SHUFFLED"].lift.value - 1.0) < 0.01
    # auto on a subset of interactions (as training does with its split) still separates them
    half = np.arange(0, len(data.interactions), 2)
    assert kg_quality.select_relations(data, "auto", half)[1] == ["PLANTED"]
    assert kg_quality.select_relations(data, "all")[1] == ["PLANTED", "SHUFFLED"]
    assert kg_quality.select_relations(data, "shuffled")[1] == ["SHUFFLED"]
    with pytest.raises(KgrecError, match="unknown relation 'GENRE'"):
        kg_quality.select_relations(data, "PLANTED,GENRE")


# -- sampling --------------------------------------------------------------------------------------------

def random_edges(seed: int = 3, n_items: int = 80, n_hubs: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    to_hubs = np.stack([rng.integers(0, n_items, 400), rng.integers(n_items, n_items + n_hubs, 400)], 1)
    direct = np.stack([rng.integers(0, n_items, 30), rng.integers(0, n_items, 30)], 1)
    return np.concatenate([to_hubs, direct])


def brute_force_pairs(edges: np.ndarray, n_items: int) -> tuple[set[tuple[int, int]], dict[int, set]]:
    """Distinct shared pairs and each hub's item set, by plain Python."""
    members: dict[int, set] = {}
    pairs = set()
    for h, t in edges.tolist():
        if h == t:
            continue
        if h < n_items and t < n_items:
            pairs.add((min(h, t), max(h, t)))
        for item, hub in ((h, t), (t, h)):
            if item < n_items:
                members.setdefault(hub, set()).add(item)
    for items in members.values():
        pairs |= {(a, b) for a in items for b in items if a < b}
    return pairs, {h: s for h, s in members.items() if len(s) >= 2}


def test_shared_pair_count_exact_and_estimated() -> None:
    n_items = 80
    edges = random_edges()
    pairs, _ = brute_force_pairs(edges, n_items)
    assert kg_quality.count_shared_pairs(edges, n_items, np.random.default_rng(0)) == (len(pairs), True)
    estimates = [kg_quality.count_shared_pairs(edges, n_items, np.random.default_rng(k), enumerate_limit=10)
                 for k in range(20)]
    assert not any(exact for _, exact in estimates)
    assert abs(np.mean([n for n, _ in estimates]) - len(pairs)) < 0.03 * len(pairs)


def test_hub_pairs_enumerate_with_equal_hub_weights_or_draw_hubs_uniformly() -> None:
    n_items = 80
    edges = random_edges()
    pairs, members = brute_force_pairs(edges, n_items)
    direct = {(min(h, t), max(h, t)) for h, t in edges.tolist() if h < n_items and t < n_items and h != t}
    n_hubs = len(members) + len(direct)
    sample = kg_quality.hub_pairs(edges, n_items, 10**6, np.random.default_rng(0))
    assert sample.enumerated and sample.n_hubs == n_hubs
    assert len(sample.pairs) == sum(len(s) * (len(s) - 1) // 2 for s in members.values()) + len(direct)
    assert set(map(tuple, np.sort(sample.pairs, axis=1).tolist())) == pairs
    per_hub = np.bincount(sample.hubs, sample.weights)
    assert len(per_hub) == n_hubs and np.allclose(per_hub, 1.0)
    draws = [kg_quality.hub_pairs(edges, n_items, 2_000, np.random.default_rng(k)) for k in range(25)]
    assert not any(d.enumerated for d in draws) and all(len(d.pairs) == 2_000 for d in draws)
    assert all(np.all(d.weights == 1.0) and d.n_hubs == n_hubs for d in draws)
    assert set(map(tuple, np.sort(np.concatenate([d.pairs for d in draws]), axis=1).tolist())) <= pairs
    counts = np.bincount(np.concatenate([d.hubs for d in draws]), minlength=n_hubs)
    expected = 50_000 / n_hubs    # uniform over hubs, whatever their size (sd ≈ 3% of expected)
    assert counts.min() > 0.85 * expected and counts.max() < 1.15 * expected


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
