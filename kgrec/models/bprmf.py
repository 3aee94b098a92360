"""BPR matrix factorisation (optionally with projected item/user text added to the embeddings)."""

from __future__ import annotations

from kgrec.models.base import Batch, Recommender, first_negatives, l2_reg, node_input


class BPRMF(Recommender):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        self.users = node_input(data, "User", config, text)
        self.items = node_input(data, "Item", config, text)

    def propagate(self):
        return self.users(), self.items()

    def loss(self, batch: Batch):
        user_vecs, item_vecs = self.propagate()
        u, p, n = user_vecs[batch.users], item_vecs[batch.pos_items], item_vecs[first_negatives(batch)]
        return self.ranking_loss(user_vecs, item_vecs, batch) + self.config.reg_weight * l2_reg(u, p, n)
