"""Most-popular baseline: score = number of training interactions of the item."""

from __future__ import annotations

import numpy as np
import torch

from kgrec.models.base import Batch, Recommender


class Pop(Recommender):
    """Users get a constant 1-d vector and items their popularity, so score = user · item."""

    trainable = False

    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        counts = np.bincount(data.interactions[train_idx, 1], minlength=self.n_items)
        self.register_buffer("popularity", torch.from_numpy(counts.astype(np.float32))[:, None])

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.ones(self.n_users, 1), self.popularity

    def loss(self, batch: Batch) -> torch.Tensor:
        return torch.zeros(())
