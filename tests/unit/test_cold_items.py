"""Cold-item evaluation (issue 13): the cold split, warm-only negatives, cold/warm metrics, and
models that serve never-interacted items from content (text-kNN, the inductive SAGE tower)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from kgrec.errors import KgrecError
from kgrec.models import build_model, model_class
from kgrec.models.base import Batch
from kgrec.models.config import TrainConfig, load_config
from kgrec.train.split import cold_item_mask, load_split, make_split, save_split
from kgrec.train.trainer import NegativeSampler, evaluate, train_new
from tests.train_fixtures import fake_text_features, tiny_graph


def test_cold_split_moves_the_rows_of_cold_items_to_test_and_of_validation_cold_items_to_valid() -> None:
    data = tiny_graph(n_users=40, n_items=40)
    base, cold = make_split(data, 5), make_split(data, 5, cold_items=0.25)
    assert len(cold.cold_items) == len(cold.cold_valid_items) == 10    # 25% of the 40 interacted items, twice
    assert not np.isin(cold.cold_items, cold.cold_valid_items).any()
    items = data.interactions[:, 1]
    assert not np.isin(items[cold.train], np.concatenate([cold.cold_items, cold.cold_valid_items])).any()
    assert not np.isin(items[cold.valid], cold.cold_items).any()
    assert not np.isin(items[cold.test], cold.cold_valid_items).any()
    chosen_rows = np.flatnonzero(np.isin(items, cold.cold_items))
    valid_rows = np.flatnonzero(np.isin(items, cold.cold_valid_items))
    assert np.isin(chosen_rows, cold.test).all()                       # every row of a cold item is a test row
    assert np.isin(valid_rows, cold.valid).all()                       # ... of a validation-cold item, valid
    # the other rows keep their part; together the parts still cover every interaction exactly once
    moved = np.concatenate([chosen_rows, valid_rows])
    for part in ("train", "valid", "test"):
        assert np.array_equal(np.setdiff1d(base.part(part), moved), np.setdiff1d(cold.part(part), moved))
    assert sorted(np.concatenate([cold.train, cold.valid, cold.test]).tolist()) == list(range(len(items)))
    assert cold_item_mask(data, cold.train)[np.concatenate([cold.cold_items, cold.cold_valid_items])].all()
    assert cold.split_id != base.split_id
    again = make_split(data, 5, cold_items=0.25)
    assert again.split_id == cold.split_id and np.array_equal(again.cold_valid_items, cold.cold_valid_items)
    assert not np.array_equal(make_split(data, 6, cold_items=0.25).cold_items, cold.cold_items)


def test_cold_split_round_trips_and_bad_fraction_is_refused(tmp_path) -> None:
    data = tiny_graph()
    split = make_split(data, 1, cold_items=0.2)
    save_split(split, tmp_path / "s.npz")
    loaded = load_split(tmp_path / "s.npz")
    assert np.array_equal(loaded.cold_items, split.cold_items) and loaded.cold_fraction == 0.2
    assert np.array_equal(loaded.cold_valid_items, split.cold_valid_items) and len(split.cold_valid_items) == 4
    with pytest.raises(KgrecError, match="cold_items"):
        make_split(data, 1, cold_items=1.0)
    with pytest.raises(KgrecError, match="cold_items must be in"):
        load_config({"cold_items": "1.5"}, env={})


def test_negatives_come_from_the_pool_and_never_hit_a_training_item() -> None:
    pairs = np.array([[0, 1], [0, 2], [1, 3]])
    pool = np.array([1, 2, 3, 4])
    sampler = NegativeSampler(pairs, n_items=10, pool=pool)
    users = np.repeat([0, 1], 500)
    negatives = sampler.sample(users, np.random.default_rng(0))
    assert set(negatives.tolist()) <= {3, 4} | {1, 2, 4}
    assert set(negatives[users == 0].tolist()) == {3, 4}               # pool minus user 0's items
    assert set(negatives[users == 1].tolist()) == {1, 2, 4}
    everything = NegativeSampler(pairs, n_items=10).sample(users, np.random.default_rng(0))
    assert len(set(everything.tolist())) > 6                           # no pool: any item


def test_trainer_never_samples_a_cold_item_as_negative(tmp_path) -> None:
    data = tiny_graph(n_users=30, n_items=30)
    config = TrainConfig(model="bprmf", epochs=1, embedding_size=8, n_negatives=4, cold_items=0.2)
    from kgrec.train.trainer import Trainer, prepare_run

    run_dir, split = prepare_run(data, config, tmp_path)
    trainer = Trainer(data, config, run_dir, split)
    negatives = np.concatenate([b.neg_items.numpy().ravel() for b in trainer.batches(np.random.default_rng(0))])
    assert not np.isin(negatives, np.concatenate([split.cold_items, split.cold_valid_items])).any()
    assert np.isin(split.cold_items, np.arange(data.num_items)).all() and len(split.cold_items) == 6


def test_cold_and_warm_metrics_split_the_test_rows(tmp_path) -> None:
    data = tiny_graph(n_users=30, n_items=100)
    config = TrainConfig(model="pop", epochs=1, cold_items=0.2)
    run_dir, metrics = train_new(data, config, tmp_path)
    # with far more than 20 warm items, popularity never puts a never-interacted item in a top 20
    assert metrics["test_cold"]["recall@20"] == 0.0 and metrics["test_warm"]["recall@20"] > 0.1
    split = load_split(run_dir / "split.npz")
    assert metrics["cold_items"] == int(cold_item_mask(data, split.train).sum()) >= len(split.cold_items)
    test_items = data.interactions[split.test, 1]
    assert metrics["cold_test_rows"] == int(cold_item_mask(data, split.train)[test_items].sum()) \
        >= int(np.isin(test_items, split.cold_items).sum()) > 0
    assert metrics["cold_fraction"] == 0.2
    assert json.loads((run_dir / "metrics.json").read_text())["test_cold"] == metrics["test_cold"]
    no_cold = train_new(data, TrainConfig(model="pop", epochs=1), tmp_path)[1]
    assert "test_cold" not in no_cold or no_cold["cold_test_rows"] > 0


def test_text_knn_ranks_an_item_by_the_cosine_to_the_users_mean_text() -> None:
    data = tiny_graph()
    split = make_split(data, 0)
    text = fake_text_features(data)
    model = model_class("textknn")(data, split.train, TrainConfig(model="textknn"), text)
    model.eval()
    vectors, mask = text["Item"]
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    seen = data.interactions[split.train]
    user_mean = unit[seen[seen[:, 0] == 3, 1]].sum(0)
    expected = unit @ (user_mean / np.linalg.norm(user_mean))
    np.testing.assert_allclose(model.score_all(torch.tensor([3]))[0].numpy(), expected, atol=1e-5)
    with pytest.raises(KgrecError, match="needs item text"):
        model_class("textknn")(data, split.train, TrainConfig(model="textknn"), None)


@pytest.mark.parametrize("name", ["sage", "lightgcn", "kglightgcn", "kgat"])
def test_the_content_tower_gives_a_cold_item_a_vector_from_content_not_from_its_id(name: str) -> None:
    torch.manual_seed(0)
    data = tiny_graph(n_users=30, n_items=30)
    split = make_split(data, 0, cold_items=0.2)
    config = load_config({"model": name, "embedding_size": 8, "cold_tower": True}, env={})
    model = build_model(data, split.train, config, fake_text_features(data))
    assert model.tower is not None
    model.eval()
    cold = int(split.cold_items[0])
    before = model.embeddings()["Item"]
    embedding = (model.inputs["Item"] if name == "kgat" else model.items.items if name == "kglightgcn"
                 else model.items).embedding.weight
    with torch.no_grad():                      # a cold item's ID embedding must not matter ...
        embedding[cold] += 5.0
    model.train(False)
    after = model.embeddings()["Item"]
    np.testing.assert_allclose(after[cold], before[cold], atol=1e-6)
    np.testing.assert_allclose(after[cold], model.tower.vectors()[cold].detach().numpy(), atol=1e-6)
    assert abs(np.linalg.norm(after[cold]) - config.cold_scale) < 1e-5     # ... it is the content vector
    warm = int(np.flatnonzero(~cold_item_mask(data, split.train))[0])
    with torch.no_grad():
        embedding[warm] += 5.0
    model.train(False)
    assert not np.allclose(model.embeddings()["Item"][warm], after[warm])


def test_the_tower_trains_by_its_own_loss_and_leaves_the_host_models_gradients_alone() -> None:
    data = tiny_graph(n_users=30, n_items=30)
    split = make_split(data, 0, cold_items=0.2)
    text = fake_text_features(data)
    batch = Batch(torch.tensor([0, 1, 2]), torch.tensor([0, 11, 3]), torch.tensor([[5, 6, 7, 8]] * 3))
    grads = {}
    for tower in (False, True):
        torch.manual_seed(0)
        config = load_config({"model": "lightgcn", "n_negatives": 4, "cold_tower": tower, "cold_dropout": 0.5},
                             env={})
        model = build_model(data, split.train, config, text)
        model.train()
        model.loss(batch).backward()
        grads[tower] = (model.users.embedding.weight.grad.clone(), model.items.embedding.weight.grad.clone())
        if tower:
            assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.tower.parameters())
    for plain, with_tower in zip(grads[False], grads[True], strict=True):
        assert torch.equal(plain, with_tower)          # same init, same gradients: LightGCN is untouched


def test_cold_dropout_marks_the_cold_items_and_a_share_of_the_warm_ones() -> None:
    torch.manual_seed(1)
    data = tiny_graph(n_users=30, n_items=30)
    split = make_split(data, 0, cold_items=0.2)
    model = build_model(data, split.train, load_config({"model": "sage", "cold_dropout": 0.5}, env={}), None)
    dropped = model.tower.dropped()
    cold = torch.from_numpy(cold_item_mask(data, split.train))
    assert dropped[cold].all() and 0 < int((dropped & ~cold).sum()) < int((~cold).sum())
    assert evaluate(model, data, split, "test")["recall@20"] >= 0.0
    with pytest.raises(KgrecError, match="cold_tower is an option"):
        load_config({"model": "bprmf", "cold_tower": True}, env={})


def test_the_saved_item_tower_reproduces_the_models_vector_of_a_cold_item(tmp_path) -> None:
    from kgrec.serve.tower import ItemTower

    torch.manual_seed(0)
    data = tiny_graph(n_users=30, n_items=30)
    split = make_split(data, 0, cold_items=0.2)
    config = load_config({"model": "sage", "embedding_size": 8, "kg_min_items": 1}, env={})
    text = fake_text_features(data)
    model = build_model(data, split.train, config, text)
    model.eval()
    np.savez(tmp_path / "tower.npz", **model.item_tower())
    tower = ItemTower.load(tmp_path, data)
    expected = model.embeddings()["Item"]
    keys = {label: data.keys[label] for label in ("Item", "Entity")}
    checked = 0
    for item in split.cold_items:
        neighbours = [{"rel": rel, "label": tail if head == "Item" and row[0] == item else head,
                       "key": keys[tail if head == "Item" and row[0] == item else head][
                           row[1] if head == "Item" and row[0] == item else row[0]]}
                      for (head, rel, tail), rows in data.kg.items() for row in rows
                      if (head == "Item" and row[0] == item) or (tail == "Item" and row[1] == item)]
        vector = tower.embed(text["Item"][0][item] if text["Item"][1][item] else None, neighbours)
        np.testing.assert_allclose(vector, expected[item], atol=1e-5)
        checked += 1
    assert checked == len(split.cold_items) == 6
    with pytest.raises(KgrecError, match="dimension 3"):
        tower.embed(np.zeros(3), [])
    assert tower.embed(None, [{"rel": "HAS_GENRE", "label": "Entity", "key": "unknown"}]) is None


def test_the_cold_scale_is_calibrated_on_validation_cold_rows_and_saved_with_the_tower(tmp_path) -> None:
    from kgrec.serve.tower import ItemTower
    from kgrec.train.trainer import COLD_MULTIPLIERS

    data = tiny_graph(n_users=40, n_items=40)
    config = load_config({"model": "sage", "embedding_size": 8, "epochs": 2, "cold_items": 0.2,
                          "kg_min_items": 1}, env={})
    run_dir, metrics = train_new(data, config, tmp_path, fake_text_features(data))
    calibration = metrics["cold_calibration"]
    split = load_split(run_dir / "split.npz")
    assert calibration["valid_cold_rows"] == int(np.isin(data.interactions[split.valid, 1],
                                                         split.cold_valid_items).sum()) > 0
    grid = calibration["grid"]
    assert [g["multiplier"] for g in grid] == list(COLD_MULTIPLIERS)
    floor = (1 - config.cold_warm_tolerance) * calibration["valid_warm_ndcg@10_silent"]
    within = [g for g in grid if g["valid_warm_ndcg@10"] >= floor]
    best = max(within, key=lambda g: (g["valid_cold_recall@20"], -g["multiplier"])) if within else grid[0]
    assert calibration["multiplier"] == best["multiplier"]
    assert calibration["tolerance"] == config.cold_warm_tolerance == 0.05
    warm = evaluate_part(run_dir, data, split, "warm")                 # reported at the chosen scale
    assert warm == pytest.approx(best["valid_warm_ndcg@10"])
    served = np.load(run_dir / "embeddings.npz")["Item"]
    cold = int(split.cold_items[0])
    assert np.linalg.norm(served[cold]) == pytest.approx(config.cold_scale * best["multiplier"], rel=1e-5)
    assert ItemTower.load(run_dir, data).scale == pytest.approx(config.cold_scale * best["multiplier"], rel=1e-6)


def evaluate_part(run_dir, data, split, items: str) -> float:
    """Validation NDCG@10 on ``items`` rows of the run's restored model (best weights, chosen scale)."""
    from kgrec.train.trainer import Trainer, load_run

    _, config, _ = load_run(run_dir)
    trainer = Trainer(data, config, run_dir, split, fake_text_features(data))
    calibration = trainer.finish()["cold_calibration"]
    assert trainer.model.tower.serve_multiplier == calibration["multiplier"]
    return evaluate(trainer.model, data, split, "valid", (10, 20), items)["ndcg@10"]


def test_the_tolerance_bounds_what_warm_rows_pay_for_cold_items(tmp_path) -> None:
    from kgrec.train.trainer import COLD_MULTIPLIERS

    data = tiny_graph(n_users=40, n_items=40)
    settings = {"model": "sage", "embedding_size": 8, "epochs": 2, "cold_items": 0.2, "kg_min_items": 1}
    runs = {tolerance: train_new(data, load_config(settings | {"cold_warm_tolerance": tolerance}, env={}),
                                 tmp_path, fake_text_features(data))[1]["cold_calibration"] for tolerance in (0.0, 1.0)}
    loose = runs[1.0]                    # any warm cost: the multiplier with the best cold recall
    chosen = {g["multiplier"]: g for g in loose["grid"]}[loose["multiplier"]]
    assert chosen["valid_cold_recall@20"] == max(g["valid_cold_recall@20"] for g in loose["grid"])
    strict = runs[0.0]                   # no warm cost: at least the silent warm NDCG@10, else the quietest
    chosen = {g["multiplier"]: g for g in strict["grid"]}[strict["multiplier"]]
    assert (chosen["valid_warm_ndcg@10"] >= strict["valid_warm_ndcg@10_silent"]
            or strict["multiplier"] == COLD_MULTIPLIERS[0])
    assert strict["grid"] == loose["grid"]          # same training: only the choice differs
    with pytest.raises(KgrecError, match="cold_warm_tolerance"):
        load_config({"cold_warm_tolerance": 1.5}, env={})


def test_without_validation_rows_on_cold_items_the_scale_is_left_as_trained(tmp_path) -> None:
    data = tiny_graph(n_users=30, n_items=30)
    config = load_config({"model": "sage", "embedding_size": 8, "epochs": 1}, env={})
    metrics = train_new(data, config, tmp_path, fake_text_features(data))[1]
    assert metrics["cold_calibration"]["multiplier"] == 1.0
    assert metrics["cold_calibration"]["note"].startswith("not calibrated")
    assert "cold_calibration" not in train_new(data, load_config({"model": "lightgcn", "epochs": 1,
                                                                  "cold_items": 0.2}, env={}), tmp_path)[1]
