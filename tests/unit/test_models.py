"""Every model honours the contract: a differentiable loss, score_all == user · item embeddings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kgrec.graph import build_heterograph
from kgrec.models import MODELS, model_class
from kgrec.models.base import Batch, ranking_loss
from kgrec.models.config import TrainConfig
from kgrec.models.kglightgcn import item_kg_neighbours
from kgrec.train.split import make_split
from tests.train_fixtures import fake_text_features, tiny_graph


def test_heterograph_has_every_relation_and_reverse() -> None:
    data = tiny_graph()
    split = make_split(data, 0)
    hg = build_heterograph(data, split.train)
    etypes = set(hg.canonical_etypes)
    for src, rel, dst in [("User", "INTERACTED", "Item"), ("Item", "HAS_GENRE", "Entity"), ("Item", "SEQUEL", "Item")]:
        assert (src, rel, dst) in etypes and (dst, f"REV_{rel}", src) in etypes
    assert hg.num_edges(("User", "INTERACTED", "Item")) == len(split.train)   # no valid/test leakage
    assert hg.num_nodes("Entity") == data.num_nodes("Entity")


@pytest.mark.parametrize(("name", "aggregator"), [(name, "light") for name in sorted(MODELS)] + [("kgat", "bi")])
def test_model_contract(name: str, aggregator: str) -> None:
    torch.manual_seed(0)
    data = tiny_graph()
    split = make_split(data, 0)
    config = TrainConfig(model=name, embedding_size=8, n_layers=2, aggregator=aggregator, kg_loss_weight=0.5)
    model = model_class(name)(data, split.train, config, fake_text_features(data))
    users = torch.tensor([0, 1, 2])
    batch = Batch(users, torch.tensor([0, 11, 3]), torch.tensor([5, 6, 7]))
    if getattr(model, "kg_triples", None) is not None:
        kg = torch.from_numpy(model.kg_triples[:4])
        batch.kg = (kg[:, 0], kg[:, 1], kg[:, 2], torch.tensor([1, 2, 3, 4]))
    model.train()
    if model.trainable:
        loss = model.loss(batch)
        assert torch.isfinite(loss) and loss.requires_grad
        loss.backward()
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    model.eval()
    scores = model.score_all(users)
    assert scores.shape == (3, data.num_items)
    emb = model.embeddings()
    assert emb["User"].dtype == np.float32 and emb["User"].shape[0] == data.num_users
    assert emb["Item"].shape[0] == data.num_items
    np.testing.assert_allclose(scores.numpy(), emb["User"][:3] @ emb["Item"].T, rtol=1e-5, atol=1e-5)
    if name == "kgat":
        assert emb["Entity"].shape == (data.num_nodes("Entity"), emb["Item"].shape[1])


def test_text_features_change_item_inputs() -> None:
    data = tiny_graph()
    split = make_split(data, 0)
    config = TrainConfig(model="bprmf", embedding_size=8)
    torch.manual_seed(0)
    with_text = model_class("bprmf")(data, split.train, config, fake_text_features(data))
    torch.manual_seed(0)
    without = model_class("bprmf")(data, split.train, config, None)
    a, b = with_text.items().detach(), without.items().detach()
    has_text = np.array([t is not None for t in data.texts["Item"]])
    assert not torch.allclose(a[has_text], b[has_text])
    assert torch.allclose(a[~has_text], b[~has_text])      # no text: the learned embedding alone


def test_softmax_loss_on_a_hand_checked_case() -> None:
    config = TrainConfig(loss="softmax", temperature=0.5)
    users = torch.tensor([[2.0, 0.0]])                    # cosine ignores lengths
    pos = torch.tensor([[3.0, 0.0]])                      # cos = 1
    neg = torch.tensor([[[0.0, 1.0], [-1.0, 0.0]]])      # cos = 0 and -1
    expected = np.log(np.exp(2.0) + np.exp(0.0) + np.exp(-2.0)) - 2.0
    assert float(ranking_loss(config, users, pos, neg)) == pytest.approx(expected, rel=1e-6)


def test_bpr_loss_averages_over_every_negative() -> None:
    config = TrainConfig(loss="bpr")
    users, pos = torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0]])   # pos score 2
    neg = torch.tensor([[[1.0, 5.0], [3.0, 0.0]]])                        # scores 1 and 3
    expected = (np.log1p(np.exp(-1.0)) + np.log1p(np.exp(1.0))) / 2
    assert float(ranking_loss(config, users, pos, neg)) == pytest.approx(expected, rel=1e-6)
    single = ranking_loss(config, users, pos, neg[:, 1])                  # (b, d) negatives still work
    assert float(single) == pytest.approx(np.log1p(np.exp(1.0)), rel=1e-6)


@pytest.mark.parametrize("name", ["bprmf", "lightgcn", "kgat"])
def test_softmax_models_score_by_cosine(name: str) -> None:
    torch.manual_seed(0)
    data = tiny_graph()
    split = make_split(data, 0)
    config = TrainConfig(model=name, embedding_size=8, loss="softmax", n_negatives=3)
    model = model_class(name)(data, split.train, config, fake_text_features(data))
    batch = Batch(torch.tensor([0, 1]), torch.tensor([0, 11]), torch.tensor([[5, 6, 7], [1, 2, 3]]))
    model.train()
    loss = model.loss(batch)
    assert torch.isfinite(loss)
    loss.backward()
    model.eval()
    emb = model.embeddings()
    np.testing.assert_allclose(np.linalg.norm(emb["Item"], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(model.score_all(torch.tensor([0, 1])).numpy(), emb["User"][:2] @ emb["Item"].T,
                               rtol=1e-5, atol=1e-5)


def test_contrastive_lightgcn_adds_noise_only_in_training() -> None:
    torch.manual_seed(0)
    data = tiny_graph()
    split = make_split(data, 0)
    config = TrainConfig(model="lightgcn", embedding_size=8, loss="softmax", n_negatives=4, cl_weight=0.5)
    model = model_class("lightgcn")(data, split.train, config)
    batch = Batch(torch.tensor([0, 1, 2]), torch.tensor([0, 11, 3]), torch.tensor([[5, 6, 7, 8]] * 3))
    model.train()
    with_cl = model.loss(batch)
    with_cl.backward()
    plain = TrainConfig(model="lightgcn", embedding_size=8, loss="softmax", n_negatives=4)
    object.__setattr__(model, "config", plain)
    assert float(model.loss(batch)) < float(with_cl)              # the InfoNCE term is positive
    clean, _ = model.propagate_layers()
    noisy, _ = model.propagate_layers(noise=0.1)
    assert not torch.allclose(clean, noisy)
    model.eval()
    users, items = model.propagate()
    assert torch.allclose(torch.cat([users, items]), clean)      # evaluation is noise-free


@pytest.mark.parametrize("loss", ["softmax", "bpr"])
def test_multi_negative_loss_same_on_full_product_and_gather_paths(loss: str, monkeypatch) -> None:
    """Large item tables score gathered candidates, small ones the full product: same loss and gradients."""
    import kgrec.models.base as base

    torch.manual_seed(0)
    data = tiny_graph()
    config = TrainConfig(model="bprmf", embedding_size=8, loss=loss)
    model = model_class("bprmf")(data, make_split(data, 0).train, config, None)
    batch = Batch(torch.tensor([0, 1, 2]), torch.tensor([0, 11, 3]), torch.tensor([[5, 6], [7, 8], [1, 2]]))
    results = []
    for per_candidate in (10**6, 0):      # full product, then gather
        monkeypatch.setattr(base, "FULL_PRODUCT_ITEMS_PER_CANDIDATE", per_candidate)
        model.zero_grad()
        users, items = model.propagate()
        value = model.ranking_loss(users, items, batch)
        value.backward()
        results.append((value.item(), [p.grad.clone() for p in model.parameters() if p.grad is not None]))
    (full, full_grads), (gathered, gathered_grads) = results
    assert full == pytest.approx(gathered, rel=1e-6) and full > 0
    assert all(torch.allclose(a, b, atol=1e-7) for a, b in zip(full_grads, gathered_grads, strict=True))


def test_kg_lightgcn_neighbours_skip_entities_of_one_item() -> None:
    data = tiny_graph(n_items=20, n_entities=6)
    data.kg[("Item", "HAS_GENRE", "Entity")] = np.vstack([data.kg[("Item", "HAS_GENRE", "Entity")],
                                                         [[0, 5]]])   # entity 5 now links items 16..19 and 0
    data.keys["Entity"] = np.append(data.keys["Entity"], "tiny:e6")
    data.kg[("Item", "HAS_GENRE", "Entity")] = np.vstack([data.kg[("Item", "HAS_GENRE", "Entity")], [[1, 6]]])
    neighbours = item_kg_neighbours(data, min_items=2)
    genre = neighbours["HAS_GENRE"]
    assert [1, 20 + 6] not in genre.tolist()          # entity 6 links one item only: left out
    assert [0, 20 + 5] in genre.tolist() and [0, 20 + 0] in genre.tolist()
    assert sorted(map(tuple, neighbours["SEQUEL"].tolist())) == [(0, 1), (1, 0), (2, 3), (3, 2)]  # both directions
    assert len(item_kg_neighbours(data, min_items=1)["HAS_GENRE"]) == len(genre) + 1


def test_kg_lightgcn_item_inputs_follow_their_entities() -> None:
    torch.manual_seed(0)
    data = tiny_graph()
    split = make_split(data, 0)
    model = model_class("kglightgcn")(data, split.train, TrainConfig(model="kglightgcn", embedding_size=8), None)
    before = model.items().detach().clone()
    with torch.no_grad():
        model.items.entities.embedding.weight[0] += 1.0     # genre entity 0 = items 0..3
    changed = (model.items().detach() - before).abs().sum(1) > 0
    assert changed.nonzero().flatten().tolist() == [0, 1, 2, 3]
    no_kg = model_class("kglightgcn")(data, split.train, TrainConfig(model="kglightgcn", embedding_size=8,
                                                                        use_kg=False), None)
    assert no_kg.items.relations == []
