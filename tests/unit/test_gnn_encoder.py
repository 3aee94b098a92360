"""The configurable GNN encoder (issue 13): GAT, GraphSAGE and R-GCN as options of one model."""

from __future__ import annotations

import dgl
import numpy as np
import pytest
import torch
from dgl.nn import GATConv, RelGraphConv, SAGEConv

from kgrec.errors import KgrecError
from kgrec.models import build_model
from kgrec.models.base import Batch
from kgrec.models.config import load_config
from kgrec.train.split import make_split
from kgrec.train.trainer import train_new
from tests.train_fixtures import fake_text_features, tiny_graph

LAYERS = {"gat": GATConv, "sage": SAGEConv, "rgcn": RelGraphConv}


def gnn(conv: str, **settings):
    torch.manual_seed(0)
    data = tiny_graph()
    split = make_split(data, 0)
    config = load_config({"model": "gnn", "conv": conv, "embedding_size": 8, **settings}, env={})
    return data, build_model(data, split.train, config, fake_text_features(data))


@pytest.mark.parametrize("conv", sorted(LAYERS))
def test_each_conv_is_dgls_own_layer_and_trains_every_layer(conv: str) -> None:
    data, model = gnn(conv, n_negatives=3)
    assert [type(layer) for layer in model.layers] == [LAYERS[conv]] * 2
    model.train()
    loss = model.loss(Batch(torch.tensor([0, 1]), torch.tensor([0, 11]), torch.tensor([[5, 6, 7], [1, 2, 3]])))
    loss.backward()
    for layer in model.layers:
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())
    users, items = model.final_vectors()
    assert users.shape == (data.num_users, 8) and items.shape == (data.num_items, 8)


def test_only_rgcn_reads_the_relation_types() -> None:
    for conv, aware in (("rgcn", True), ("sage", False), ("gat", False)):
        _, model = gnn(conv)
        model.eval()
        before = model.propagate()[1].detach().clone()
        model.graph.edata[dgl.ETYPE] = torch.zeros_like(model.graph.edata[dgl.ETYPE])   # every edge one type
        after = model.propagate()[1].detach()
        assert (not torch.allclose(before, after, atol=1e-6)) is aware, conv


def test_a_gnn_run_is_recorded_with_its_conv(tmp_path) -> None:
    data = tiny_graph(n_users=30, n_items=30)
    config = load_config({"model": "gnn", "conv": "gat", "embedding_size": 8, "epochs": 1}, env={})
    run_dir, metrics = train_new(data, config, tmp_path, fake_text_features(data))
    assert metrics["model"] == "gnn" and np.isfinite(metrics["test"]["ndcg@10"])
    assert '"conv": "gat"' in (run_dir / "config.json").read_text()


@pytest.mark.parametrize("overrides, message", [({"conv": "gcn"}, "conv must be"),
                                                ({"conv": "gat", "gnn_heads": 3}, "gnn_heads must divide")])
def test_bad_encoder_settings_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(KgrecError, match=message):
        load_config({"model": "gnn", **overrides}, env={})
