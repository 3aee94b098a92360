"""Full-ranking top-K metrics (RecBole definitions): Recall, NDCG, Hit, MRR.

NDCG@K uses the ideal DCG over the user's own held-out items (``min(|held out|, K)`` ones),
not KGAT's normalisation. Users without held-out items are not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

METRICS = ("recall", "ndcg", "hit", "mrr")


def rank_metrics(hits: np.ndarray, n_relevant: np.ndarray, ks: Sequence[int]) -> dict[str, float]:
    """Mean metrics from ``hits[u, r]`` (is the item at rank r+1 relevant) and held-out counts."""
    hits = np.asarray(hits, dtype=np.float64)
    n_relevant = np.asarray(n_relevant, dtype=np.float64)
    if hits.ndim != 2 or len(hits) != len(n_relevant) or (n_relevant <= 0).any():
        raise ValueError("hits must be (users, ranks) and every user needs ≥ 1 held-out item")
    discounts = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
    out: dict[str, float] = {}
    for k in ks:
        top = hits[:, :k]
        n_hits = top.sum(1)
        dcg = (top * discounts[:k]).sum(1)
        ideal_counts = np.minimum(n_relevant, k).astype(int)
        idcg = np.cumsum(discounts[:k])[ideal_counts - 1]
        first = np.where(top.any(1), top.argmax(1) + 1, np.inf)
        out[f"recall@{k}"] = float((n_hits / n_relevant).mean())
        out[f"ndcg@{k}"] = float((dcg / idcg).mean())
        out[f"hit@{k}"] = float((n_hits > 0).mean())
        out[f"mrr@{k}"] = float((1.0 / first).mean())
    return out


def group_items(users: np.ndarray, items: np.ndarray, n_users: int) -> list[np.ndarray]:
    """Per-user arrays of items, from parallel user/item arrays."""
    order = np.argsort(users, kind="stable")
    counts = np.bincount(users, minlength=n_users)
    return np.split(items[order], np.cumsum(counts)[:-1])


def evaluate_full_ranking(score_fn: Callable[[torch.Tensor], torch.Tensor], n_users: int,
                          held_out: tuple[np.ndarray, np.ndarray],
                          exclude: tuple[np.ndarray, np.ndarray],
                          ks: Sequence[int] = (10, 20), batch_size: int = 1024) -> dict[str, float]:
    """Rank all items for every user with held-out items, masking ``exclude`` (user, item) pairs."""
    targets = group_items(*held_out, n_users)
    seen = group_items(*exclude, n_users)
    users = np.array([u for u in range(n_users) if len(targets[u])], dtype=np.int64)
    max_k = max(ks)
    all_hits, n_rel = [], []
    with torch.no_grad():
        for start in range(0, len(users), batch_size):
            batch = users[start:start + batch_size]
            scores = score_fn(torch.from_numpy(batch)).float().clone()
            rows = np.concatenate([np.full(len(seen[u]), r) for r, u in enumerate(batch)])
            cols = np.concatenate([seen[u] for u in batch])
            scores[torch.from_numpy(rows).long(), torch.from_numpy(cols).long()] = -np.inf
            top = torch.topk(scores, min(max_k, scores.shape[1]), dim=1).indices.numpy()
            relevant = np.zeros(scores.shape, dtype=bool)
            t_rows = np.concatenate([np.full(len(targets[u]), r) for r, u in enumerate(batch)])
            relevant[t_rows, np.concatenate([targets[u] for u in batch])] = True
            all_hits.append(np.take_along_axis(relevant, top, 1))
            n_rel.extend(len(targets[u]) for u in batch)
    hits = np.concatenate(all_hits) if all_hits else np.zeros((0, max_k), bool)
    if hits.shape[1] < max_k:
        hits = np.pad(hits, ((0, 0), (0, max_k - hits.shape[1])))
    return rank_metrics(hits, np.array(n_rel), ks) if len(hits) else {}
