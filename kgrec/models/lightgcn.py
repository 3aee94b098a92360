"""LightGCN: parameter-free propagation over the normalised user–item graph (DGL update_all).

Optional XSimGCL-style contrastive regularisation (``cl_weight`` > 0): during training, uniform
noise of length ``cl_eps`` (sign-aligned with each vector) is added after every layer, and an
InfoNCE loss pulls each batch user's / item's final vector towards its own layer-1 vector and away
from the other batch nodes' (temperature ``cl_temperature``). Evaluation propagates without noise.
"""

from __future__ import annotations

import dgl.function as fn
import torch
from torch import nn

from kgrec.graph import user_item_graph
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input


def info_nce(view_a: torch.Tensor, view_b: torch.Tensor, temperature: float) -> torch.Tensor:
    """Row i of ``view_a`` should match row i of ``view_b`` among all rows (cosine / temperature)."""
    a, b = nn.functional.normalize(view_a, dim=1), nn.functional.normalize(view_b, dim=1)
    logits = a @ b.T / temperature
    return (torch.logsumexp(logits, 1) - logits.diagonal()).mean()


class LightGCN(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self.users = node_input(data, "User", config, text)
        self.items = node_input(data, "Item", config, text)
        self.graph = user_item_graph(data, train_idx)
        self.register_buffer("norm", self.graph.in_degrees().float().clamp(min=1).pow(-0.5)[:, None])

    def ego(self) -> torch.Tensor:
        return torch.cat([self.users(), self.items()])

    def propagate_layers(self, noise: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean of the layer outputs, first-layer output); ``noise`` > 0 perturbs every layer."""
        h = self.ego()
        layers = [h]
        with self.graph.local_scope():
            for _ in range(self.config.n_layers):
                # D^-1/2 A D^-1/2 h as node scalings around an unweighted sum (DGL's fast copy_u path)
                self.graph.ndata["h"] = h * self.norm
                self.graph.update_all(fn.copy_u("h", "m"), fn.sum("m", "h"))
                h = self.graph.ndata["h"] * self.norm
                if noise > 0:
                    h = h + torch.sign(h) * nn.functional.normalize(torch.rand_like(h), dim=1) * noise
                layers.append(h)
        return torch.stack(layers).mean(0), layers[min(1, len(layers) - 1)]

    def propagate(self):
        final, _ = self.propagate_layers()
        return final[:self.n_users], final[self.n_users:]

    def loss(self, batch: Batch):
        contrastive = self.config.cl_weight > 0 and self.config.n_layers > 0
        final, first = self.propagate_layers(self.config.cl_eps if contrastive else 0.0)
        user_vecs, item_vecs = final[:self.n_users], final[self.n_users:]
        ego_u = self.users()[batch.users]
        items = self.items()
        reg = l2_reg(ego_u, items[batch.pos_items], items[first_negatives(batch)])
        loss = self.ranking_loss(user_vecs, item_vecs, batch) + self.config.reg_weight * reg
        loss = loss + self.tower_loss(user_vecs, item_vecs, batch)
        if contrastive:
            users, pos = torch.unique(batch.users), torch.unique(batch.pos_items) + self.n_users
            tau = self.config.cl_temperature
            loss = loss + self.config.cl_weight * (info_nce(final[users], first[users], tau)
                                                   + info_nce(final[pos], first[pos], tau))
        return loss
