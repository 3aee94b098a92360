"""An inductive item tower: never-interacted items get a real embedding from their content.

Two pathways into one vector space (DropoutNet / Heater-style, on the graph):

* warm items and users: LightGCN — ID embeddings (plus projected text, as LightGCN's inputs)
  propagated over the training interactions (symmetric normalisation), mean of the layers;
* the item *content tower*: ``x = text · W + Σ_r w_r · mean of the item's r-neighbours`` over the
  KG (:class:`KGItemInput` on text-only item inputs and entity embeddings): a function of the item's
  text and KG neighbourhood alone.

A cold item — no training interactions — is represented by its content tower. To train the tower
to serve them, a second ranking loss treats a ``cold_dropout`` share of the items as cold: their
candidates are scored by their content-tower vectors against the (gradient-stopped) user and warm-item
vectors, so the tower learns where a user would look for the item while the warm model trains exactly
as LightGCN (warm accuracy is LightGCN's). Negatives are drawn from warm items only (the trainer's
``negative_pool``), so never-interacted items are not learned as universal negatives.
"""

from __future__ import annotations

import dgl.function as fn
import numpy as np
import torch
from torch import nn

from kgrec.graph import user_item_graph
from kgrec.models.base import Batch, NodeInput, Recommender, first_negatives, l2_reg, node_input
from kgrec.models.kglightgcn import KGItemInput, item_kg_neighbours
from kgrec.train.split import cold_item_mask


class SAGE(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        dim = config.embedding_size
        self.cold = torch.from_numpy(cold_item_mask(data, train_idx))
        self.users = node_input(data, "User", config, text)     # the warm pathway: LightGCN's inputs
        self.ids = node_input(data, "Item", config, text)
        item_text = text.get("Item") if (text and config.use_text) else None
        content_items = NodeInput(data.num_items, dim, item_text, "add", known=np.zeros(data.num_items, bool))
        neighbours = item_kg_neighbours(data, config.kg_min_items, config.kg_max_items) if config.use_kg else {}
        entities = node_input(data, "Entity", config, text) if data.num_nodes("Entity") else None
        self.content = KGItemInput(content_items, entities, neighbours, data.num_items)
        self.graph = user_item_graph(data, train_idx)
        self.register_buffer("norm", self.graph.in_degrees().float().clamp(min=1).pow(-0.5)[:, None])
        self.warm_items = torch.from_numpy(np.flatnonzero(~self.cold.numpy()))
        self.register_buffer("cold_scale", torch.tensor(float(config.cold_scale)))

    def propagate_ids(self) -> torch.Tensor:
        h = torch.cat([self.users(), self.ids()])
        layers = [h]
        with self.graph.local_scope():
            for _ in range(self.config.n_layers):
                self.graph.ndata["h"] = h * self.norm
                self.graph.update_all(fn.copy_u("h", "m"), fn.sum("m", "h"))
                h = self.graph.ndata["h"] * self.norm
                layers.append(h)
        return torch.stack(layers).mean(0)

    def content_vectors(self) -> torch.Tensor:
        """The content tower's item vectors; under the softmax loss unit length times ``cold_scale``
        (below 1 scores content-only items more cautiously against warm ones, whose vectors are unit)."""
        content = self.content()
        if self.config.loss == "softmax":
            content = nn.functional.normalize(content, dim=1) * self.cold_scale
        return content

    def vectors(self, content_for: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(users, items): items in ``content_for`` (n_items bool) take their content-tower vector."""
        users, items = self.warm_vectors()
        return users, torch.where(content_for[:, None], self.content_vectors(), items)

    def warm_vectors(self) -> tuple[torch.Tensor, torch.Tensor]:
        final = self.propagate_ids()
        users, items = final[:self.n_users], final[self.n_users:]
        if self.config.loss == "softmax":
            users, items = nn.functional.normalize(users, dim=1), nn.functional.normalize(items, dim=1)
        return users, items

    def output(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return users, items       # vectors() already normalises (content vectors keep their scale)

    def propagate(self):
        return self.vectors(self.cold)

    def dropped_items(self) -> torch.Tensor:
        """Cold items plus a random ``cold_dropout`` share of the warm ones (n_items bool)."""
        dropped = self.cold.clone()
        rate = self.config.cold_dropout
        if rate > 0 and len(self.warm_items):
            dropped[self.warm_items[torch.rand(len(self.warm_items)) < rate]] = True
        return dropped

    def loss(self, batch: Batch):
        """LightGCN's ranking loss on the ID pathway, plus the same loss with the ``cold_dropout`` share of
        items represented by their content tower against *fixed* user and warm-item vectors: the tower
        learns to place an item where its users would look for it, without moving the warm model."""
        users, items = self.warm_vectors()
        reg = l2_reg(self.users()[batch.users], self.ids()[batch.pos_items], self.ids()[first_negatives(batch)])
        loss = self.ranking_loss(users, items, batch) + self.config.reg_weight * reg
        dropped = self.dropped_items()
        if self.config.cold_dropout > 0:
            content_items = torch.where(dropped[:, None], self.content_vectors(), items.detach())
            loss = loss + self.ranking_loss(users.detach(), content_items, batch)
        return loss

    def item_tower(self) -> dict[str, np.ndarray]:
        """The content tower's arrays: x = text · W + Σ_r w_r · mean of the inputs of the item's
        r-neighbours (under the softmax loss L2-normalised, then times ``cold_scale``)."""
        kg = self.content
        projection = kg.items.projection
        with torch.no_grad():
            items = kg.items()
            entities = kg.entities() if kg.entities is not None else torch.zeros(0, items.shape[1])
        return {"text_projection": (projection.weight.T.detach().numpy() if projection is not None
                                    else np.zeros((0, items.shape[1]))).astype(np.float32),
                "item_inputs": items.detach().numpy().astype(np.float32),
                "entity_inputs": entities.detach().numpy().astype(np.float32),
                "relations": np.array(kg.relations, dtype=str),
                "relation_weights": np.array([kg.relation_weights()[r] for r in kg.relations], np.float32),
                "scale": np.float32(self.config.cold_scale if self.config.loss == "softmax" else 1.0),
                "normalize": np.bool_(self.config.loss == "softmax")}
