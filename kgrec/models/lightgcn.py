"""LightGCN: parameter-free propagation over the normalised user–item graph (DGL update_all).

Optional XSimGCL-style contrastive regularisation (``cl_weight`` > 0): during training, uniform
noise of length ``cl_eps`` (sign-aligned with each vector) is added after every layer, and an
InfoNCE loss pulls each batch user's / item's final vector towards its own layer-1 vector and away
from the other batch nodes' (temperature ``cl_temperature``). Evaluation propagates without noise.
"""

from __future__ import annotations

import dgl
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


def fanout_list(text: str) -> list[int]:
    """``"15,10"`` -> [15, 10] (-1 = every neighbour)."""
    return [int(part) for part in text.split(",") if part.strip()]


class LightGCN(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self.users = node_input(data, "User", config, text)
        self.items = node_input(data, "Item", config, text)
        self.graph = user_item_graph(data, train_idx)
        self.register_buffer("norm", self.graph.in_degrees().float().clamp(min=1).pow(-0.5)[:, None])
        self.sampler = (dgl.dataloading.NeighborSampler(fanout_list(config.fanouts))
                        if config.sampler == "neighbor" else None)

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

    def ego_of(self, nodes: torch.Tensor) -> torch.Tensor:
        """Input vectors of ``nodes`` (ids in the user–item graph: users first) without computing the rest."""
        is_user = nodes < self.n_users
        users, items = torch.nonzero(is_user).squeeze(1), torch.nonzero(~is_user).squeeze(1)
        out = torch.zeros(len(nodes), self.config.embedding_size)
        return (out.index_copy(0, users, self.users(nodes[users]))
                .index_copy(0, items, self.items(nodes[items] - self.n_users)))

    def sampled_final(self, seeds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(final vectors, input vectors) of ``seeds``, propagated over neighbour-sampled blocks."""
        _, _, blocks = self.sampler.sample_blocks(self.graph, seeds)
        h = self.ego_of(blocks[0].srcdata[dgl.NID])
        n = len(seeds)
        layers = [h[:n]]                    # DGL keeps each block's destination nodes first among its sources
        for block in blocks:
            with block.local_scope():
                block.srcdata["h"] = h * self.norm[block.srcdata[dgl.NID]]
                block.update_all(fn.copy_u("h", "m"), fn.sum("m", "h"))
                dst = block.dstdata[dgl.NID]
                # unbiased for the full layer: d_v^-1/2 * (d_v / sampled_v) * sum of sampled d_u^-1/2 h_u
                scale = self.norm[dst].pow(-1) / block.in_degrees().clamp(min=1).float()[:, None]
                h = block.dstdata["h"] * scale
            layers.append(h[:n])
        return torch.stack(layers).mean(0), layers[0]

    def sampled_loss(self, batch: Batch) -> torch.Tensor:
        """The batch's loss from sampled blocks around its users and candidate items (seed-local ids)."""
        b, negatives = len(batch.users), batch.neg_items
        ids = torch.cat([batch.users, batch.pos_items + self.n_users, negatives.reshape(-1) + self.n_users])
        seeds, local = torch.unique(ids, return_inverse=True)
        final, ego = self.sampled_final(seeds)
        local_batch = Batch(local[:b], local[b:2 * b], local[2 * b:].reshape(negatives.shape))
        reg = l2_reg(ego[local_batch.users], ego[local_batch.pos_items], ego[first_negatives(local_batch)])
        return self.ranking_loss(final, final, local_batch) + self.config.reg_weight * reg

    def loss(self, batch: Batch):
        if self.sampler is not None:
            return self.sampled_loss(batch)
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
