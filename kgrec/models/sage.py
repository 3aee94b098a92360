"""An inductive item tower: an item's vector is a function of its text, its KG neighbourhood and
its interaction neighbourhood, so never-interacted items get a real embedding.

GraphSAGE-style in what it computes from, LightGCN-style in how: an item's input is projected text
plus the relation-weighted mean of its KG neighbours (:class:`KGItemInput`) plus an ID embedding,
then parameter-free mean propagation over the training interactions (LightGCN's symmetric
normalisation) adds its users' vectors, layer by layer; the output is the mean of the layers.

Cold items — items without training interactions — get no ID embedding and have no interaction
edges, so their vector comes from the same function as the warm ones: text and KG only. To train
that function to serve them, each batch makes a ``cold_dropout`` fraction of the warm items cold
(DropoutNet-style): their ID embeddings are dropped and the interaction edges into them removed
from the propagation, while they stay positives of the loss. Negatives are drawn from warm items only (the
trainer's ``negative_pool``), so never-interacted items are not learned as universal negatives.
"""

from __future__ import annotations

import dgl
import dgl.function as fn
import numpy as np
import torch

from kgrec.graph import user_item_graph
from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input
from kgrec.models.kglightgcn import KGItemInput, item_kg_neighbours
from kgrec.train.split import cold_item_mask


def degree_norm(graph: dgl.DGLGraph) -> torch.Tensor:
    return graph.in_degrees().float().clamp(min=1).pow(-0.5)[:, None]


class SAGE(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        cold = cold_item_mask(data, train_idx)
        self.users = node_input(data, "User", config, text)
        items = node_input(data, "Item", config, text, known=~cold)
        neighbours = item_kg_neighbours(data, config.kg_min_items, config.kg_max_items) if config.use_kg else {}
        entities = node_input(data, "Entity", config, text) if data.num_nodes("Entity") else None
        self.items = KGItemInput(items, entities, neighbours, data.num_items)
        self.graph = user_item_graph(data, train_idx)
        self.register_buffer("norm", degree_norm(self.graph))
        _, dst = self.graph.edges()
        self.edge_item = dst - self.n_users      # the item an edge flows into (users come first), else < 0
        self.warm_items = torch.from_numpy(np.flatnonzero(~cold))

    def ego(self, dropped: torch.Tensor | None = None) -> torch.Tensor:
        return torch.cat([self.users(), self.items(dropped)])

    def propagate_all(self, graph: dgl.DGLGraph, norm: torch.Tensor,
                      dropped: torch.Tensor | None = None) -> torch.Tensor:
        h = self.ego(dropped)
        layers = [h]
        with graph.local_scope():
            for _ in range(self.config.n_layers):
                graph.ndata["h"] = h * norm
                graph.update_all(fn.copy_u("h", "m"), fn.sum("m", "h"))
                h = graph.ndata["h"] * norm
                layers.append(h)
        return torch.stack(layers).mean(0)

    def propagate(self):
        final = self.propagate_all(self.graph, self.norm)
        return final[:self.n_users], final[self.n_users:]

    def simulate_cold(self) -> tuple[dgl.DGLGraph, torch.Tensor | None]:
        """The graph without the interaction edges *into* a random ``cold_dropout`` share of warm
        items (so their vectors see only text and KG, as a cold item's do, while their users keep
        their history), and the (n_items,) mask of those items (None when nothing is dropped)."""
        rate = self.config.cold_dropout
        if rate <= 0 or not len(self.warm_items):
            return self.graph, None
        dropped = torch.zeros(self.n_items, dtype=torch.bool)
        dropped[self.warm_items[torch.rand(len(self.warm_items)) < rate]] = True
        into_dropped = (self.edge_item >= 0) & dropped[self.edge_item.clamp(min=0)]
        keep = torch.nonzero(~into_dropped, as_tuple=True)[0]
        return dgl.edge_subgraph(self.graph, keep, relabel_nodes=False, store_ids=False), dropped

    def loss(self, batch: Batch):
        graph, dropped = self.simulate_cold()
        norm = self.norm if dropped is None else degree_norm(graph)
        final = self.propagate_all(graph, norm, dropped)
        users, items = final[:self.n_users], final[self.n_users:]
        reg = l2_reg(self.users()[batch.users], *(self.items.items()[i] for i in (batch.pos_items,
                                                                                 first_negatives(batch))))
        return self.ranking_loss(users, items, batch) + self.config.reg_weight * reg

    def item_tower(self) -> dict[str, np.ndarray]:
        """x = text · W + Σ_r w_r · mean of the inputs of the item's r-neighbours; vector = x / (L + 1)
        (a cold item has no interaction edges), L2-normalised under the softmax loss."""
        kg = self.items
        own, projection = kg.items, kg.items.projection
        with torch.no_grad():
            items = own()            # neighbour items enter with their own input, as in training
            entities = kg.entities() if kg.entities is not None else torch.zeros(0, items.shape[1])
        return {"text_projection": (projection.weight.T.detach().numpy() if projection is not None
                                    else np.zeros((0, items.shape[1]))).astype(np.float32),
                "item_inputs": items.detach().numpy().astype(np.float32),
                "entity_inputs": entities.detach().numpy().astype(np.float32),
                "relations": np.array(kg.relations, dtype=str),
                "relation_weights": np.array([kg.relation_weights()[r] for r in kg.relations], np.float32),
                "scale": np.float32(1.0 / (self.config.n_layers + 1)),
                "normalize": np.bool_(self.config.loss == "softmax")}
