"""Text-kNN reference: a user is the mean of their training items' text vectors; score = cosine.

Not trained. It needs item text (``use_text``); items without text score 0. It is the content-only
yardstick for cold items (issue 13): a KG/text model should beat it on items it never saw interacted.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from kgrec.errors import KgrecError
from kgrec.models.base import Batch, Recommender


class TextKNN(Recommender):
    trainable = False

    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        if not text or "Item" not in text or not text["Item"][1].any():
            raise KgrecError("textknn needs item text vectors (items with text, and use_text on)")
        vectors, mask = text["Item"]
        items = nn.functional.normalize(torch.from_numpy(np.asarray(vectors, np.float32)), dim=1)
        items = items * torch.from_numpy(np.asarray(mask, bool))[:, None]
        pairs = torch.from_numpy(data.interactions[train_idx].astype(np.int64))
        users = torch.zeros(self.n_users, items.shape[1]).index_add_(0, pairs[:, 0], items[pairs[:, 1]])
        self.register_buffer("user_vecs", nn.functional.normalize(users, dim=1))
        self.register_buffer("item_vecs", items)

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.user_vecs, self.item_vecs

    def loss(self, batch: Batch) -> torch.Tensor:
        return torch.zeros(())
