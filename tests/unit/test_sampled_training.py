"""Sampled mini-batch training (issue 12): LightGCN over DGL neighbour-sampled blocks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kgrec.errors import KgrecError
from kgrec.models import build_model
from kgrec.models.base import Batch
from kgrec.models.config import load_config
from kgrec.train.split import make_split
from kgrec.train.trainer import train_new
from tests.train_fixtures import fake_text_features, tiny_graph

BATCH = Batch(torch.tensor([0, 3, 5, 5]), torch.tensor([1, 12, 4, 7]), torch.tensor([[2, 9, 15], [0, 1, 2],
                                                                                   [19, 18, 17], [3, 3, 11]]))


def model_for(settings: dict, seed: int = 0):
    torch.manual_seed(seed)
    data = tiny_graph(n_users=12, n_items=20)
    split = make_split(data, 0)
    config = load_config({"model": "lightgcn", "embedding_size": 8, "n_negatives": 3, **settings}, env={})
    return build_model(data, split.train, config, fake_text_features(data))


@pytest.mark.parametrize("loss", ["softmax", "bpr"])
def test_sampling_every_neighbour_gives_the_full_graph_loss_and_gradients(loss: str) -> None:
    full = model_for({"loss": loss})
    sampled = model_for({"loss": loss, "sampler": "neighbor", "fanouts": "-1,-1"})
    sampled.load_state_dict(full.state_dict())
    full.train(), sampled.train()
    full_loss, sampled_loss = full.loss(BATCH), sampled.loss(BATCH)
    torch.testing.assert_close(sampled_loss, full_loss, rtol=1e-5, atol=1e-6)
    full_loss.backward(), sampled_loss.backward()
    for (name, a), (_, b) in zip(full.named_parameters(), sampled.named_parameters(), strict=True):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-6, msg=name)


def test_a_small_fanout_estimates_the_layer_without_bias() -> None:
    full = model_for({})
    sampled = model_for({"sampler": "neighbor", "fanouts": "2,2"})
    sampled.load_state_dict(full.state_dict())
    seeds = torch.tensor([0, 4, 12, 20, 25])                      # users and items (items offset by 12)
    with torch.no_grad():
        full.eval()
        exact = full.propagate_layers()[0][seeds]
        torch.manual_seed(1)
        draws = torch.stack([sampled.sampled_final(seeds)[0] for _ in range(400)])
    assert not torch.allclose(draws[0], exact, atol=1e-4)          # one draw is an estimate ...
    assert (draws.mean(0) - exact).abs().max() < 0.1 * exact.abs().max()   # ... whose mean is the layer


def test_sampled_training_records_a_normal_run(tmp_path) -> None:
    data = tiny_graph(n_users=30, n_items=30)
    config = load_config({"model": "lightgcn", "embedding_size": 8, "epochs": 2, "sampler": "neighbor",
                          "fanouts": "3,3"}, env={})
    run_dir, metrics = train_new(data, config, tmp_path, fake_text_features(data))
    assert metrics["epochs_run"] == 2 and metrics["test"]["recall@20"] > 0
    assert np.load(run_dir / "embeddings.npz")["Item"].shape == (30, 8)


@pytest.mark.parametrize("overrides, message", [
    ({"model": "kgat"}, "implemented for lightgcn"),
    ({"fanouts": "10"}, "one entry per layer"),
    ({"fanouts": "10,x"}, "comma-separated integers"),
    ({"fanouts": "0,5"}, "≥ 1 or -1"),
    ({"cl_weight": 0.1}, "does not combine"),
])
def test_unsupported_sampler_settings_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(KgrecError, match=message):
        load_config({"model": "lightgcn", "sampler": "neighbor", **overrides}, env={})
