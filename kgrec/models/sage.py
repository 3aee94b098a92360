"""An inductive GraphSAGE-style tower over the collaborative knowledge graph.

Every node's vector is a function of its inputs and its neighbourhood: the item input is projected
text plus an ID embedding, and ``n_layers`` mean-aggregation layers (``dgl.nn.SAGEConv``: own vector
and neighbour mean, each linearly mapped) run over training interactions and every KG relation,
each with its reverse. The output is the mean of the L2-normalised layer outputs (score = u · i).

Cold items — items without training interactions — get no ID embedding, so their vector comes
from the same function as the warm ones: text and KG neighbours only. To train that function to
serve them, each batch makes a ``cold_dropout`` fraction of the warm items cold (DropoutNet-style):
their ID embeddings are dropped and their interaction edges removed from the propagation, while
they stay positives of the loss. Negatives are drawn from warm items only (the trainer's
``negative_pool``), so never-interacted items are not learned as universal negatives.
"""

from __future__ import annotations

import dgl
import numpy as np
import torch
from dgl.nn import SAGEConv
from torch import nn

from kgrec.graph import INTERACTED, build_heterograph, reverse_name, to_collaborative_kg
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input
from kgrec.train.split import cold_item_mask


class SAGE(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        hg = build_heterograph(data, train_idx, use_kg=config.use_kg)
        self.graph, self.offsets = to_collaborative_kg(hg)
        self.ntypes = list(hg.ntypes)
        self.counts = {label: hg.num_nodes(label) for label in self.ntypes}
        cold = cold_item_mask(data, train_idx)
        self.inputs = nn.ModuleDict({label: node_input(data, label, config, text, ~cold if label == "Item" else None)
                                     for label in self.ntypes})
        dim = config.embedding_size
        self.convs = nn.ModuleList(SAGEConv(dim, dim, "mean", feat_drop=config.dropout)
                                   for _ in range(config.n_layers))
        self.warm_items = torch.from_numpy(np.flatnonzero(~cold))
        self.edge_item = self._interaction_edge_items(hg)

    def _interaction_edge_items(self, hg: dgl.DGLGraph) -> torch.Tensor:
        """Per homogeneous edge: the item index of a user–item interaction edge, else -1."""
        src, dst = self.graph.edges()
        kind = self.graph.edata[dgl.ETYPE]
        out = torch.full((self.graph.num_edges(),), -1, dtype=torch.int64)
        for n, (_, rel, _) in enumerate(hg.canonical_etypes):
            chosen = kind == n
            if rel == INTERACTED:
                out[chosen] = dst[chosen] - self.offsets["Item"]
            elif rel == reverse_name(INTERACTED):
                out[chosen] = src[chosen] - self.offsets["Item"]
        return out

    @property
    def num_nodes_total(self) -> int:
        return self.graph.num_nodes()

    def ego(self, dropped: torch.Tensor | None = None) -> torch.Tensor:
        return torch.cat([self.inputs[label](dropped if label == "Item" else None) for label in self.ntypes])

    def propagate_all(self, graph: dgl.DGLGraph, dropped: torch.Tensor | None = None) -> torch.Tensor:
        h = self.ego(dropped)
        layers = [nn.functional.normalize(h, dim=1)]
        for conv in self.convs:
            h = nn.functional.normalize(conv(graph, h), dim=1)
            layers.append(h)
        return torch.stack(layers).mean(0)

    def split_final(self, final: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        start_u, start_i = self.offsets["User"], self.offsets["Item"]
        return final[start_u:start_u + self.n_users], final[start_i:start_i + self.n_items]

    def propagate(self):
        return self.split_final(self.propagate_all(self.graph))

    def simulate_cold(self) -> tuple[dgl.DGLGraph, torch.Tensor | None]:
        """The graph without the interaction edges of a random ``cold_dropout`` share of warm items."""
        rate = self.config.cold_dropout
        if rate <= 0 or not len(self.warm_items):
            return self.graph, None
        chosen = self.warm_items[torch.rand(len(self.warm_items)) < rate]
        dropped = torch.zeros(self.n_items, dtype=torch.bool)
        dropped[chosen] = True
        edge_item = self.edge_item
        remove = (edge_item >= 0) & dropped[edge_item.clamp(min=0)]
        keep = torch.nonzero(~remove, as_tuple=True)[0]
        return dgl.edge_subgraph(self.graph, keep, relabel_nodes=False, store_ids=False), dropped

    def loss(self, batch: Batch):
        graph, dropped = self.simulate_cold()
        users, items = self.split_final(self.propagate_all(graph, dropped))
        ego = self.ego()
        reg = l2_reg(ego[self.offsets["User"] + batch.users], ego[self.offsets["Item"] + batch.pos_items],
                     ego[self.offsets["Item"] + first_negatives(batch)])
        return self.ranking_loss(users, items, batch) + self.config.reg_weight * reg

    def extra_embeddings(self) -> dict[str, np.ndarray]:
        if not self.counts.get("Entity"):
            return {}
        with torch.no_grad():
            final = self.propagate_all(self.graph)
        start = self.offsets["Entity"]
        return {"Entity": final[start:start + self.counts["Entity"]].numpy().astype(np.float32)}
