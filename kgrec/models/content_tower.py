"""The item content tower: an inductive item representation any model can carry (``cold_tower``).

``x = text · W + Σ_r softmax(α)_r · mean(inputs of the item's r-neighbours)`` over the KG
(:class:`KGItemInput` on text-only item inputs and entity embeddings) — a function of an item's text and
KG neighbourhood alone. Items without training interactions are served by it: their vector is ``x``
(unit length × ``cold_scale`` under the softmax loss, where warm vectors are unit length), times
``serve_multiplier`` — 1 while training, then calibrated on validation rows of cold items by
:func:`kgrec.train.trainer.calibrate_cold_scale` (how loud content-only items must be against warm ones
depends on the catalogue).

It is trained DropoutNet-style by a second ranking loss in which a ``cold_dropout`` share of the items —
positives and negatives alike — is represented by its content vector, scored against the model's
*gradient-stopped* user and warm-item vectors: the tower learns where a user would look for an item,
and the host model trains exactly as it would without it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from kgrec.data import GraphData
from kgrec.models.base import Batch, NodeInput, TextFeatures, node_input, scores_loss
from kgrec.models.config import TrainConfig
from kgrec.models.kglightgcn import KGItemInput, item_kg_neighbours
from kgrec.train.split import cold_item_mask


class ContentTower(nn.Module):
    def __init__(self, data: GraphData, train_idx: np.ndarray, config: TrainConfig,
                 text: TextFeatures | None) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("cold", torch.from_numpy(cold_item_mask(data, train_idx)))
        self.register_buffer("warm_items", torch.from_numpy(np.flatnonzero(~self.cold.numpy())))
        item_text = text.get("Item") if (text and config.use_text) else None
        items = NodeInput(data.num_items, config.embedding_size, item_text, "add",
                          known=np.zeros(data.num_items, bool))            # text only: no ID embedding
        neighbours = item_kg_neighbours(data, config.kg_min_items, config.kg_max_items) if config.use_kg else {}
        entities = node_input(data, "Entity", config, text) if data.num_nodes("Entity") else None
        self.content = KGItemInput(items, entities, neighbours, data.num_items)
        self.serve_multiplier = 1.0      # set after training by calibrate_cold_scale; not a parameter

    @property
    def normalised(self) -> bool:
        return self.config.loss == "softmax"

    def vectors(self) -> torch.Tensor:
        """Every item's content vector (unit length × ``cold_scale`` under the softmax loss)."""
        content = self.content()
        if self.normalised:
            content = nn.functional.normalize(content, dim=1) * self.config.cold_scale
        return content

    def serve(self, items: torch.Tensor) -> torch.Tensor:
        """The model's final item vectors with the cold items' rows replaced by their content vectors
        (× ``serve_multiplier``)."""
        return torch.where(self.cold[:, None], self.vectors() * self.serve_multiplier, items)

    def dropped(self) -> torch.Tensor:
        """Cold items plus a random ``cold_dropout`` share of the warm ones (n_items bool)."""
        dropped = self.cold.clone()
        if len(self.warm_items):
            dropped[self.warm_items[torch.rand(len(self.warm_items)) < self.config.cold_dropout]] = True
        return dropped

    def loss(self, users: torch.Tensor, items: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The ranking loss with the dropped items as content vectors, against the model's final
        (``users``, ``items``) vectors with their gradient stopped."""
        if self.normalised:
            users, items = nn.functional.normalize(users, dim=-1), nn.functional.normalize(items, dim=-1)
        items = torch.where(self.dropped()[:, None], self.vectors(), items.detach())
        negatives = batch.neg_items if batch.neg_items.dim() == 2 else batch.neg_items[:, None]
        candidates = torch.cat([batch.pos_items[:, None], negatives], 1)               # (b, 1 + k)
        scores = torch.bmm(items[candidates], users.detach()[batch.users][:, :, None]).squeeze(-1)
        return scores_loss(self.config, scores[:, :1], scores[:, 1:])

    def arrays(self) -> dict[str, np.ndarray]:
        """What :class:`kgrec.serve.tower.ItemTower` needs to embed items added after training."""
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
                "scale": np.float32((self.config.cold_scale if self.normalised else 1.0) * self.serve_multiplier),
                "normalize": np.bool_(self.normalised)}
