"""KGAT-style relation-aware attentive propagation over the collaborative knowledge graph.

Nodes: users, items and KG entities in one graph (training interactions + every KG relation,
each with its reverse). Edge attention follows KGAT,
``π(h, r, t) = (W e_t ⊙ e_r)ᵀ tanh(W e_h + e_r)`` (TransR's relation projection factored as
a shared ``W`` and a relation vector so it costs O(d) per edge), normalised over each node's
incoming edges with ``dgl.nn.functional.edge_softmax``. As in KGAT, attention is recomputed
without gradient at the start of every epoch (and for evaluation); its parameters are trained by
the KG loss (``kg_loss_weight``). Aggregation is KGAT's bi-interaction
(``aggregator="bi"``, layer outputs concatenated) or parameter-free attentive averaging
(``"light"``, layer outputs averaged as in LightGCN). Node inputs are learned embeddings plus
projected text vectors. Loss: the configured ranking loss (BPR or sampled softmax, the default),
plus an optional TransR-style KG loss.
"""

from __future__ import annotations

import dgl
import dgl.function as fn
import numpy as np
import torch
from dgl.nn.functional import edge_softmax
from torch import nn

from kgrec.graph import INTERACTED, build_heterograph, reverse_name, to_collaborative_kg
from kgrec.models.base import Batch, Recommender, bpr_loss, first_negatives, l2_reg, node_input


class BiInteraction(nn.Module):
    """KGAT's aggregator: LeakyReLU(W1(e + e_N)) + LeakyReLU(W2(e ⊙ e_N))."""

    def __init__(self, dim: int, dropout: float) -> None:
        super().__init__()
        self.add, self.mul = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.act, self.drop = nn.LeakyReLU(0.2), nn.Dropout(dropout)

    def forward(self, h: torch.Tensor, neighbours: torch.Tensor) -> torch.Tensor:
        out = self.act(self.add(h + neighbours)) + self.act(self.mul(h * neighbours))
        return nn.functional.normalize(self.drop(out), dim=1)


class KGAT(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self._attention: torch.Tensor | None = None
        hg = build_heterograph(data, train_idx, use_kg=config.use_kg)
        self.graph, self.offsets = to_collaborative_kg(hg)
        self.ntypes = list(hg.ntypes)
        self.counts = {label: hg.num_nodes(label) for label in self.ntypes}
        self.inputs = nn.ModuleDict({label: node_input(data, label, config, text) for label in self.ntypes})
        dim = config.embedding_size
        self.n_relations = len(hg.canonical_etypes)
        self.relations = nn.Embedding(self.n_relations, dim)
        nn.init.normal_(self.relations.weight, std=0.1)
        self.project = nn.Linear(dim, dim, bias=False)
        nn.init.eye_(self.project.weight)
        self.layers = nn.ModuleList(BiInteraction(dim, config.dropout) for _ in range(config.n_layers)) \
            if config.aggregator == "bi" else None
        self.kg_triples = self._kg_triples(hg)
        self.etype_index = {etype: n for n, etype in enumerate(hg.canonical_etypes)}
        self.kg_sizes = {etype: len(pairs) for etype, pairs in data.kg.items()}

    def kg_loss_triples(self) -> np.ndarray:
        return self.kg_triples

    def _kg_triples(self, hg: dgl.DGLGraph) -> np.ndarray:
        """(head, relation, tail) homogeneous ids of every non-interaction edge, for the KG loss."""
        src, dst = (t.numpy() for t in self.graph.edges())
        etype = self.graph.edata[dgl.ETYPE].numpy()
        ui = {i for i, (_, rel, _) in enumerate(hg.canonical_etypes)
              if rel in (INTERACTED, reverse_name(INTERACTED))}
        keep = ~np.isin(etype, list(ui))
        return np.stack([src[keep], etype[keep], dst[keep]], 1).astype(np.int64)

    @property
    def num_nodes_total(self) -> int:
        return self.graph.num_nodes()

    def ego(self) -> torch.Tensor:
        return torch.cat([self.inputs[label]() for label in self.ntypes])

    def attention(self) -> torch.Tensor:
        """Edge weights from the current parameters (no gradient, refreshed every epoch as in KGAT)."""
        g = self.graph
        with torch.no_grad():
            h = self.ego()
            rel = self.relations(g.edata[dgl.ETYPE])
            projected = self.project(h)
            src, dst = g.edges()
            logits = ((projected[src] * rel) * torch.tanh(projected[dst] + rel)).sum(1)
            return edge_softmax(g, logits)

    def on_epoch_start(self) -> None:
        self._attention = self.attention()

    def train(self, mode: bool = True) -> KGAT:
        self._attention = None
        return super().train(mode)

    def propagate_all(self) -> torch.Tensor:
        h = self.ego()
        g = self.graph
        layers = [h]
        if self._attention is None:
            self._attention = self.attention()
        with g.local_scope():
            g.edata["a"] = self._attention
            for layer in range(self.config.n_layers):
                g.ndata["h"] = h
                g.update_all(fn.u_mul_e("h", "a", "m"), fn.sum("m", "n"))
                neighbours = g.ndata["n"]
                h = self.layers[layer](h, neighbours) if self.layers is not None else neighbours
                layers.append(h)
        if self.layers is not None:
            return torch.cat(layers, dim=1)
        return torch.stack(layers).mean(0)

    def slice_label(self, final: torch.Tensor, label: str) -> torch.Tensor:
        start = self.offsets[label]
        return final[start:start + self.counts[label]]

    def propagate(self):
        final = self.propagate_all()
        return self.slice_label(final, "User"), self.slice_label(final, "Item")

    def extra_embeddings(self) -> dict[str, np.ndarray]:
        if not self.counts.get("Entity"):
            return {}
        with torch.no_grad():
            final = self.slice_label(self.propagate_all(), "Entity")
        return {"Entity": final.numpy().astype(np.float32)}

    def loss(self, batch: Batch):
        final = self.propagate_all()
        ego = self.ego()
        reg = l2_reg(ego[self.offsets["User"] + batch.users], ego[self.offsets["Item"] + batch.pos_items],
                     ego[self.offsets["Item"] + first_negatives(batch)])
        users, items = self.slice_label(final, "User"), self.slice_label(final, "Item")
        loss = self.ranking_loss(users, items, batch) + self.config.reg_weight * reg
        loss = loss + self.tower_loss(users, items, batch)
        if batch.kg is not None and self.config.kg_loss_weight > 0:
            loss = loss + self.config.kg_loss_weight * self.kg_loss(ego, *batch.kg)
        return loss

    def kg_loss(self, ego: torch.Tensor, heads, rels, tails, neg_tails) -> torch.Tensor:
        """TransR-style: ||W e_h + e_r − W e_t||² lower for true triples than for corrupted ones."""
        r = self.relations(rels)
        h, t, t_neg = self.project(ego[heads]), self.project(ego[tails]), self.project(ego[neg_tails])
        pos = (h + r - t).pow(2).sum(1)
        neg = (h + r - t_neg).pow(2).sum(1)
        return bpr_loss(-pos, -neg) + 1e-5 * l2_reg(h, r, t, t_neg)

    def kg_attention(self) -> dict[tuple[str, str, str], np.ndarray]:
        """Read-only: the propagation attention of every KG edge touching an item, for explanations.

        Per canonical KG edge type (``data.kg`` key) a (k, 2) float32 array in ``data.kg[etype]`` row
        order: column 0 the head->tail edge (normalised over the tail's incoming edges), column 1 its
        reverse ``REV_`` edge (normalised over the head's). Same weights as ``attention()``; no training math.
        """
        index = self.etype_index
        att = self.attention().numpy()
        kind, eid = self.graph.edata[dgl.ETYPE].numpy(), self.graph.edata[dgl.EID].numpy()
        out = {}
        for etype, size in self.kg_sizes.items():
            reverse = (etype[2], reverse_name(etype[1]), etype[0])
            if "Item" not in (etype[0], etype[2]) or etype not in index or reverse not in index:
                continue
            table = np.zeros((size, 2), np.float32)
            for column, which in enumerate((etype, reverse)):
                chosen = kind == index[which]
                table[eid[chosen], column] = att[chosen]
            out[etype] = table
        return out
