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
from kgrec.models.gnn import BasisRelGraphConv, mean_norm
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
    assert len(model.layers) == 2 and all(isinstance(layer, LAYERS[conv]) for layer in model.layers)
    model.train()
    loss = model.loss(Batch(torch.tensor([0, 1]), torch.tensor([0, 11]), torch.tensor([[5, 6, 7], [1, 2, 3]])))
    loss.backward()
    for layer in model.layers:
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in layer.parameters())
    users, items = model.final_vectors()
    assert users.shape == (data.num_users, 8) and items.shape == (data.num_items, 8)


@pytest.mark.parametrize("with_norm", [False, True])
def test_node_space_rgcn_equals_dgls_relgraphconv(with_norm: bool) -> None:
    """The node-space layer is DGL's RelGraphConv, same parameters, same output and gradients."""
    torch.manual_seed(1)
    g = dgl.rand_graph(40, 300)
    etypes = torch.randint(0, 5, (300,))
    feat = torch.randn(40, 6, requires_grad=True)
    norm = mean_norm(g) if with_norm else None
    fast = BasisRelGraphConv(6, 4, 5, regularizer="basis", num_bases=3, self_loop=True)
    torch.nn.init.normal_(fast.h_bias)
    dgls = RelGraphConv(6, 4, 5, regularizer="basis", num_bases=3, self_loop=True)
    dgls.load_state_dict(fast.state_dict())
    out_fast, out_dgl = fast(g, feat, etypes, norm), dgls(g, feat, etypes, norm)
    assert torch.allclose(out_fast, out_dgl, atol=1e-5)
    grad_fast = torch.autograd.grad(out_fast.pow(2).sum(), [feat, fast.linear_r.coeff, fast.linear_r.W])
    grad_dgl = torch.autograd.grad(out_dgl.pow(2).sum(), [feat, dgls.linear_r.coeff, dgls.linear_r.W])
    for a, b in zip(grad_fast, grad_dgl, strict=True):
        assert torch.allclose(a, b, atol=1e-4)


def test_rgcn_messages_are_averaged_over_in_edges() -> None:
    g = dgl.graph((torch.tensor([0, 1, 2, 0]), torch.tensor([3, 3, 3, 1])))
    assert mean_norm(g).view(-1).tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1.0])


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
