"""One configurable GNN encoder over the collaborative KG: GAT, GraphSAGE or R-GCN layers (``conv``).

The seeds' GNN choices as named options of one model (``--model gnn --conv gat|sage|rgcn``), so they are
compared on the same graph, inputs, loss and split: users, items and KG entities in one homogeneous
graph (training interactions + every KG relation, each with its reverse; :func:`kgrec.graph.
to_collaborative_kg`), node inputs = learned embeddings plus projected text, ``n_layers`` layers of DGL's
own convolution, LeakyReLU between layers, the layer outputs averaged as in LightGCN, then the
configured ranking loss.

* ``gat`` — :class:`dgl.nn.GATConv`, ``gnn_heads`` attention heads of ``embedding_size / heads`` each,
  concatenated (edge attention over every neighbour, relation-blind);
* ``sage`` — :class:`dgl.nn.SAGEConv` with the mean aggregator (self and neighbour mean, relation-blind);
* ``rgcn`` — :class:`dgl.nn.RelGraphConv`, one weight per relation type under a basis decomposition
  (``min(relations, 8)`` bases) with a self-loop (relation-aware, no attention).
"""

from __future__ import annotations

import dgl
import torch
from dgl.nn import GATConv, RelGraphConv, SAGEConv
from torch import nn

from kgrec.graph import build_heterograph, to_collaborative_kg
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input

CONVS = ("gat", "sage", "rgcn")


def make_layer(conv: str, dim: int, n_relations: int, heads: int) -> nn.Module:
    if conv == "gat":
        return GATConv(dim, dim // heads, heads, allow_zero_in_degree=True)
    if conv == "sage":
        return SAGEConv(dim, dim, "mean")
    return RelGraphConv(dim, dim, n_relations, regularizer="basis", num_bases=min(n_relations, 8), self_loop=True)


class GNN(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        hg = build_heterograph(data, train_idx, use_kg=config.use_kg)
        self.graph, offsets = to_collaborative_kg(hg)
        self.ntypes = list(hg.ntypes)
        self.user_offset, self.item_offset = offsets["User"], offsets["Item"]
        self.inputs = nn.ModuleDict({label: node_input(data, label, config, text) for label in self.ntypes})
        n_relations = len(hg.canonical_etypes)
        self.layers = nn.ModuleList(make_layer(config.conv, config.embedding_size, n_relations, config.gnn_heads)
                                    for _ in range(config.n_layers))
        self.act = nn.LeakyReLU(0.2)

    def ego(self) -> torch.Tensor:
        return torch.cat([self.inputs[label]() for label in self.ntypes])

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.ego()
        layers = [h]
        for n, layer in enumerate(self.layers):
            if self.config.conv == "rgcn":
                h = layer(self.graph, h, self.graph.edata[dgl.ETYPE])
            else:
                h = layer(self.graph, h)
            h = h.flatten(1)                              # GAT: heads concatenated
            if n < len(self.layers) - 1:
                h = self.act(h)
            layers.append(h)
        final = torch.stack(layers).mean(0)
        return (final[self.user_offset:self.user_offset + self.n_users],
                final[self.item_offset:self.item_offset + self.n_items])

    def loss(self, batch: Batch) -> torch.Tensor:
        user_vecs, item_vecs = self.propagate()
        ego_users, ego_items = self.inputs["User"](), self.inputs["Item"]()
        reg = l2_reg(ego_users[batch.users], ego_items[batch.pos_items], ego_items[first_negatives(batch)])
        loss = self.ranking_loss(user_vecs, item_vecs, batch) + self.config.reg_weight * reg
        return loss + self.tower_loss(user_vecs, item_vecs, batch)
