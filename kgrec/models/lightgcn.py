"""LightGCN: parameter-free propagation over the normalised user–item graph (DGL update_all)."""

from __future__ import annotations

import dgl.function as fn
import torch

from kgrec.graph import user_item_graph
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input


class LightGCN(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self.users = node_input(data, "User", config, text)
        self.items = node_input(data, "Item", config, text)
        self.graph = user_item_graph(data, train_idx)
        self.register_buffer("norm", self.graph.in_degrees().float().clamp(min=1).pow(-0.5)[:, None])

    def ego(self) -> torch.Tensor:
        return torch.cat([self.users(), self.items()])

    def propagate(self):
        h = self.ego()
        layers = [h]
        with self.graph.local_scope():
            for _ in range(self.config.n_layers):
                # D^-1/2 A D^-1/2 h as node scalings around an unweighted sum (DGL's fast copy_u path)
                self.graph.ndata["h"] = h * self.norm
                self.graph.update_all(fn.copy_u("h", "m"), fn.sum("m", "h"))
                h = self.graph.ndata["h"] * self.norm
                layers.append(h)
        final = torch.stack(layers).mean(0)
        return final[:self.n_users], final[self.n_users:]

    def loss(self, batch: Batch):
        user_vecs, item_vecs = self.propagate()
        ego_u = self.users()[batch.users]
        items = self.items()
        reg = l2_reg(ego_u, items[batch.pos_items], items[first_negatives(batch)])
        return self.ranking_loss(user_vecs, item_vecs, batch) + self.config.reg_weight * reg
