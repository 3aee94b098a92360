"""HAN (Wang et al., 2019) for recommendation: attention over metapath neighbours, then over metapaths.

Inputs are the metapath neighbour relations ``GraphData.metapaths`` (materialised from Neo4j by
:mod:`kgrec.metapath_edges`, training interactions only). The metapaths chosen (``config.metapaths``)
are grouped by their end label: user metapaths (``U-I-U``, ``U-I-E-I-U`` …) refine user vectors,
item metapaths (``I-U-I``, ``I-E-I`` …) refine item vectors. For each label:

1. node-level attention, per metapath Φ (GAT with ``HEADS`` heads, averaged; DGL ``edge_softmax``
   over the node's top-N neighbours and itself): ``α_ab = softmax_b(LeakyReLU(a_Φᵀ[W_Φ h_a ‖ W_Φ h_b])
   + log(w_ab / max_b' w_ab'))`` — the metapath weight (PathSim or count) is a prior on the logits;
   ``z_a^Φ = ELU(Σ_b α_ab W_Φ h_b)``;
2. semantic attention across that label's metapaths: ``β_Φ = softmax_Φ(mean_a qᵀ tanh(M z_a^Φ + b))``
   and ``z_a = Σ_Φ β_Φ z_a^Φ`` (the β of one label sum to 1; recorded per run);
3. final vector ``h_a + z_a`` (residual; a label without metapaths keeps its input ``h_a``).

``h`` is the node input (id embedding + projected text). Score = user · item, as every model.
"""

from __future__ import annotations

import dgl
import torch
from dgl.nn.functional import edge_softmax
from torch import nn

from kgrec.errors import KgrecError
from kgrec.graph import metapath_graph
from kgrec.metapath_edges import label_of, split_names
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input

HEADS = 4
SEMANTIC_HIDDEN = 128


class MetapathAttention(nn.Module):
    """Node-level attention on one metapath relation (multi-head GAT, heads averaged, ELU)."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads, self.dim = heads, dim
        self.fc = nn.Linear(dim, dim * heads, bias=False)
        self.attn_src = nn.Parameter(torch.empty(heads, dim))
        self.attn_dst = nn.Parameter(torch.empty(heads, dim))
        for p in (self.fc.weight, self.attn_src, self.attn_dst):
            nn.init.xavier_normal_(p)
        self.drop = nn.Dropout(dropout)

    def forward(self, g: dgl.DGLGraph, h: torch.Tensor) -> torch.Tensor:
        z = self.fc(h).view(-1, self.heads, self.dim)
        with g.local_scope():
            g.ndata["z"] = z
            g.ndata["el"] = (z * self.attn_src).sum(-1, keepdim=True)
            g.ndata["er"] = (z * self.attn_dst).sum(-1, keepdim=True)
            g.apply_edges(dgl.function.u_add_v("el", "er", "e"))
            logits = nn.functional.leaky_relu(g.edata["e"], 0.2) + g.edata["prior"][:, None, None]
            g.edata["a"] = self.drop(edge_softmax(g, logits))
            g.update_all(dgl.function.u_mul_e("z", "a", "m"), dgl.function.sum("m", "out"))
            return nn.functional.elu(g.ndata["out"].mean(1))


class SemanticAttention(nn.Module):
    """Attention across metapaths: one weight per metapath (softmax, sums to 1) from the mean node score."""

    def __init__(self, dim: int, hidden: int = SEMANTIC_HIDDEN) -> None:
        super().__init__()
        self.score = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, 1, bias=False))

    def forward(self, per_metapath: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(M, n, d) -> (combined (n, d), β (M,))."""
        beta = torch.softmax(self.score(per_metapath).mean(1).squeeze(-1), dim=0)
        return (beta[:, None, None] * per_metapath).sum(0), beta


class LabelTower(nn.Module):
    """One label's HAN layer: node-level attention per metapath, then semantic attention."""

    def __init__(self, names: list[str], graphs: list[dgl.DGLGraph], dim: int, dropout: float) -> None:
        super().__init__()
        self.names, self.graphs = names, graphs
        self.node_level = nn.ModuleList(MetapathAttention(dim, HEADS, dropout) for _ in names)
        self.semantic = SemanticAttention(dim)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if not self.names:
            return h, None
        per_metapath = torch.stack([att(g, h) for att, g in zip(self.node_level, self.graphs, strict=True)])
        combined, beta = self.semantic(per_metapath)
        return h + combined, beta


class HAN(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self.metapaths = split_names(config.metapaths)
        missing = [name for name in self.metapaths if name not in data.metapaths]
        if missing:
            raise KgrecError(f"han: metapath {', '.join(missing)} was not materialised for this graph",
                             hint="train through `kgrec train --model han --metapaths …` (it materialises them)")
        self.users = node_input(data, "User", config, text)
        self.items = node_input(data, "Item", config, text)
        self.towers = nn.ModuleDict({label: self._tower(data, label) for label in ("User", "Item")})
        self.edge_counts = {name: int(len(data.metapaths[name])) for name in self.metapaths}

    def _tower(self, data, label: str) -> LabelTower:
        names = [name for name in self.metapaths if label_of(name) == label]
        graphs = [metapath_graph(data.metapaths[name], data.metapath_weights[name], data.num_nodes(label))
                  for name in names]
        return LabelTower(names, graphs, self.config.embedding_size, self.config.dropout)

    def propagate(self):
        users, _ = self.towers["User"](self.users())
        items, _ = self.towers["Item"](self.items())
        return users, items

    def loss(self, batch: Batch):
        user_vecs, item_vecs = self.propagate()
        items = self.items()
        reg = l2_reg(self.users()[batch.users], items[batch.pos_items], items[first_negatives(batch)])
        return self.ranking_loss(user_vecs, item_vecs, batch) + self.config.reg_weight * reg

    def semantic_attention(self) -> dict[str, float]:
        """β per metapath (those of one end label sum to 1), from the current parameters."""
        out: dict[str, float] = {}
        was_training = self.training
        self.eval()
        with torch.no_grad():
            for label, inputs in (("User", self.users), ("Item", self.items)):
                _, beta = self.towers[label](inputs())
                if beta is not None:
                    out.update(zip(self.towers[label].names, (round(float(b), 6) for b in beta), strict=True))
        self.train(was_training)
        return {name: out[name] for name in self.metapaths}

    def run_record(self) -> dict:
        """The metapaths trained on, their learned semantic attention and neighbour-edge counts."""
        return {"metapaths": list(self.metapaths), "semantic_attention": self.semantic_attention(),
                "metapath_edges": dict(self.edge_counts)}
