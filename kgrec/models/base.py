"""The model contract: ``loss(batch)``, ``score_all(users)``, ``embeddings()``.

Every model scores a user–item pair as the dot product of the vectors ``embeddings()`` returns,
so write-back and vector search in Neo4j rank exactly as evaluation did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from kgrec.data import GraphData
from kgrec.models.config import TrainConfig

TextFeatures = dict[str, tuple[np.ndarray, np.ndarray]]   # label -> (vectors, mask)

# Above this many items per scored column, gather candidates instead of scoring every item
# (2048 x 65 candidates, 64-d, 1 CPU thread: full product 21 ms at 1.7k items, 324 ms at 17.6k; gather ~51 ms).
FULL_PRODUCT_ITEMS_PER_CANDIDATE = 64


@dataclass
class Batch:
    users: torch.Tensor          # (b,) user indices
    pos_items: torch.Tensor      # (b,) observed items
    neg_items: torch.Tensor      # (b,) or (b, k) sampled unobserved items
    kg: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # h, r, t, t'


class Recommender(nn.Module):
    """Base class: subclasses implement ``propagate`` (final user and item vectors) and ``loss``."""

    trainable = True

    def __init__(self, data: GraphData, train_idx: np.ndarray, config: TrainConfig,
                 text: TextFeatures | None = None) -> None:
        super().__init__()
        self.n_users, self.n_items = data.num_users, data.num_items
        self.config = config
        self._cache: tuple[torch.Tensor, torch.Tensor] | None = None
        self.tower: nn.Module | None = None

    def attach_tower(self, data: GraphData, train_idx: np.ndarray, text: TextFeatures | None) -> None:
        """With ``cold_tower``, add the item content tower (:mod:`kgrec.models.content_tower`) that serves
        items without training interactions. :func:`kgrec.models.build_model` calls it after the model's
        ``__init__``, so the host model's own parameters are initialised exactly as without it."""
        if self.config.cold_tower:
            from kgrec.models.content_tower import ContentTower

            self.tower = ContentTower(data, train_idx, self.config, text)

    def tower_loss(self, users: torch.Tensor, items: torch.Tensor, batch: Batch) -> torch.Tensor | float:
        """The content tower's loss on the model's final vectors (0 without a tower or cold dropout)."""
        if self.tower is None or self.config.cold_dropout <= 0:
            return 0.0
        return self.tower.loss(users, items, batch)

    def propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError

    def on_epoch_start(self) -> None:
        """Hook before each training epoch (KGAT refreshes its attention here)."""

    def train(self, mode: bool = True) -> Recommender:
        self._cache = None
        return super().train(mode)

    def final_vectors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Final (users, items) vectors; cached while the model is in eval mode.

        With the softmax loss the vectors are L2-normalised, so ``user · item`` is the cosine the
        loss was trained on.
        """
        if self.training:
            return self.served(*self.output(*self.propagate()))
        if self._cache is None:
            with torch.no_grad():
                users, items = self.served(*self.output(*self.propagate()))
            self._cache = (users.detach(), items.detach())
        return self._cache

    def served(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Final vectors as served: cold items take their content-tower vector when there is a tower."""
        return users, (items if self.tower is None else self.tower.serve(items))

    def output(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.config.loss == "softmax":
            return nn.functional.normalize(users, dim=-1), nn.functional.normalize(items, dim=-1)
        return users, items

    def ranking_loss(self, user_vecs: torch.Tensor, item_vecs: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The configured ranking loss on the batch's (user, positive, negatives) final vectors.

        With several negatives per positive and a small item table, one ``users @ itemsᵀ`` product
        gathered afterwards is cheapest (GEMM); with a large table (Last.fm: 17.6k items) scoring only
        the gathered (b, 1 + k, d) candidates is (FULL_PRODUCT_ITEMS_PER_CANDIDATE). Both give the same
        scores.
        """
        if batch.neg_items.dim() == 1:
            u, p, n = user_vecs[batch.users], item_vecs[batch.pos_items], item_vecs[batch.neg_items]
            return ranking_loss(self.config, u, p, n)
        candidates = torch.cat([batch.pos_items[:, None], batch.neg_items], 1)           # (b, 1 + k)
        if item_vecs.shape[0] <= FULL_PRODUCT_ITEMS_PER_CANDIDATE * candidates.shape[1]:
            users, items = self.output(user_vecs[batch.users], item_vecs)
            scores = (users @ items.T).gather(1, candidates)
        else:
            users, items = self.output(user_vecs[batch.users], item_vecs[candidates])
            scores = torch.bmm(items, users[:, :, None]).squeeze(-1)
        return scores_loss(self.config, scores[:, :1], scores[:, 1:])

    def score_all(self, users: torch.Tensor) -> torch.Tensor:
        user_vecs, item_vecs = self.final_vectors()
        return user_vecs[users] @ item_vecs.T

    def embeddings(self) -> dict[str, np.ndarray]:
        """Final vectors per label (float32), aligned to ``GraphData.keys``."""
        was_training = self.training
        self.eval()
        user_vecs, item_vecs = self.final_vectors()
        out = {"User": user_vecs.detach().numpy().astype(np.float32),
               "Item": item_vecs.detach().numpy().astype(np.float32)}
        out.update(self.extra_embeddings())
        self.train(was_training)
        return out

    def extra_embeddings(self) -> dict[str, np.ndarray]:
        return {}

    def kg_loss_triples(self) -> np.ndarray | None:
        """(head, relation, tail) node ids the trainer samples KG-loss batches from (``Batch.kg``);
        None for models without a KG loss."""
        return None

    def item_tower(self) -> dict[str, np.ndarray] | None:
        """With a content tower, the arrays of the function that embeds an item from its text and KG
        neighbours (saved as ``tower.npz``; :class:`kgrec.serve.tower.ItemTower` applies it to items
        added after training). None without one (cold start then fits a ridge map)."""
        return None if self.tower is None else self.tower.arrays()

    def run_record(self) -> dict[str, Any]:
        """Model-specific facts recorded in the run's metrics.json (HAN: metapaths and their semantic
        attention); empty by default."""
        return {}

    def kg_attention(self) -> dict[tuple[str, str, str], np.ndarray]:
        """Per KG edge type, the model's (head->tail, tail->head) weight of each edge, for path
        explanations; empty for models without edge attention (explanations then use similarity)."""
        return {}


def first_negatives(batch: Batch) -> torch.Tensor:
    """One negative per row (the first), for the L2 regulariser."""
    return batch.neg_items if batch.neg_items.dim() == 1 else batch.neg_items[:, 0]


def ranking_loss(config: TrainConfig, users: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor
                 ) -> torch.Tensor:
    """BPR (mean over every negative) or sampled softmax over cosine scores / temperature.

    ``users``/``pos`` are (b, d), ``neg`` is (b, d) or (b, k, d). Sampled softmax (InfoNCE):
    ``-log exp(cos(u,p)/τ) / (exp(cos(u,p)/τ) + Σ_k exp(cos(u,n_k)/τ))``.
    """
    if neg.dim() == 2:
        neg = neg[:, None]
    if config.loss == "softmax":
        users, pos, neg = (nn.functional.normalize(t, dim=-1) for t in (users, pos, neg))
    return scores_loss(config, (users * pos).sum(-1)[:, None], torch.einsum("bd,bkd->bk", users, neg))


def scores_loss(config: TrainConfig, pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
    """BPR or softmax from (b, 1) positive and (b, k) negative scores."""
    if config.loss == "bpr":
        return bpr_loss(pos_scores, neg_scores)
    logits = torch.cat([pos_scores, neg_scores], 1) / config.temperature
    return (torch.logsumexp(logits, 1) - logits[:, 0]).mean()


def bpr_loss(pos_scores: torch.Tensor, neg_scores: torch.Tensor) -> torch.Tensor:
    return nn.functional.softplus(neg_scores - pos_scores).mean()


def l2_reg(*tensors: torch.Tensor) -> torch.Tensor:
    """RecBole's EmbLoss: half the squared norms, averaged over the batch."""
    return sum(t.pow(2).sum() for t in tensors) / (2 * tensors[0].shape[0])


class NodeInput(nn.Module):
    """Input vectors for one label: a learned embedding, plus (or replaced by) projected text."""

    def __init__(self, n: int, dim: int, text: tuple[np.ndarray, np.ndarray] | None = None,
                 mode: str = "add", known: np.ndarray | None = None) -> None:
        super().__init__()
        self.mode = mode
        self.embedding = nn.Embedding(max(n, 1), dim)
        nn.init.normal_(self.embedding.weight, std=0.1)
        # nodes that are not ``known`` get no ID embedding (the content tower: text and KG only)
        self.register_buffer("known", None if known is None else torch.from_numpy(np.asarray(known, bool))[:, None])
        self.projection: nn.Linear | None = None
        if text is not None and text[1].any():
            vectors, mask = text
            self.register_buffer("text", torch.from_numpy(np.asarray(vectors, np.float32)))
            self.register_buffer("mask", torch.from_numpy(np.asarray(mask, bool))[:, None])
            self.projection = nn.Linear(vectors.shape[1], dim, bias=False)
            nn.init.normal_(self.projection.weight, std=0.1 / np.sqrt(vectors.shape[1]) * 4)

    def forward(self, index: torch.Tensor | None = None) -> torch.Tensor:
        """Every node's input vector, or only the rows in ``index`` (sampled training)."""
        rows = (lambda t: t) if index is None else (lambda t: t[index])
        ids = rows(self.embedding.weight)
        if self.known is not None:
            ids = ids * rows(self.known)
        if self.projection is None:
            return ids
        mask = rows(self.mask)
        projected = self.projection(rows(self.text)) * mask
        if self.mode == "replace":
            return torch.where(mask, projected, ids)
        return ids + projected


def node_input(data: GraphData, label: str, config: TrainConfig, text: TextFeatures | None) -> NodeInput:
    features = text.get(label) if (text and config.use_text) else None
    return NodeInput(data.num_nodes(label), config.embedding_size, features, config.text_mode)
