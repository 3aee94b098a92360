"""Metric definitions against hand-computed cases (RecBole's formulas, full ranking)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kgrec.train.metrics import evaluate_full_ranking, rank_metrics


def test_single_user_hand_computed() -> None:
    # ranks 1..4: relevant at ranks 2 and 4; the user has 3 held-out items
    hits = np.array([[0, 1, 0, 1]], dtype=bool)
    m = rank_metrics(hits, np.array([3]), ks=[2, 4])
    assert m["recall@2"] == pytest.approx(1 / 3)
    assert m["recall@4"] == pytest.approx(2 / 3)
    assert m["hit@2"] == 1.0
    assert m["mrr@4"] == pytest.approx(0.5)
    dcg4 = 1 / math.log2(3) + 1 / math.log2(5)
    idcg4 = 1 + 1 / math.log2(3) + 1 / math.log2(4)   # ideal over min(3, 4) items
    assert m["ndcg@4"] == pytest.approx(dcg4 / idcg4)
    idcg2 = 1 + 1 / math.log2(3)                      # ideal over min(3, 2) items
    assert m["ndcg@2"] == pytest.approx((1 / math.log2(3)) / idcg2)


def test_means_over_users_and_misses() -> None:
    hits = np.array([[1, 0, 0], [0, 0, 0]], dtype=bool)
    m = rank_metrics(hits, np.array([1, 2]), ks=[3])
    assert m["ndcg@3"] == pytest.approx(0.5)    # perfect for user 0, zero for user 1
    assert m["hit@3"] == pytest.approx(0.5)
    assert m["mrr@3"] == pytest.approx(0.5)
    assert m["recall@3"] == pytest.approx(0.5)


def test_rejects_users_without_held_out_items() -> None:
    with pytest.raises(ValueError):
        rank_metrics(np.zeros((1, 3), bool), np.array([0]), ks=[3])


def test_full_ranking_masks_training_items() -> None:
    # 1 user, 5 items; scores favour item 0 (a training item, must be masked) then 1, 2, ...
    scores = torch.tensor([[10.0, 5.0, 4.0, 3.0, 2.0]])
    m = evaluate_full_ranking(lambda users: scores[users], 1, held_out=(np.array([0]), np.array([2])),
                              exclude=(np.array([0]), np.array([0])), ks=[1, 2])
    assert m["hit@1"] == 0.0            # rank 1 is item 1 once item 0 is masked
    assert m["hit@2"] == 1.0
    assert m["mrr@2"] == pytest.approx(0.5)
    assert m["ndcg@2"] == pytest.approx(1 / math.log2(3))


def test_full_ranking_skips_users_without_targets() -> None:
    scores = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    m = evaluate_full_ranking(lambda users: scores[users], 2, held_out=(np.array([1]), np.array([1])),
                              exclude=(np.zeros(0, np.int64), np.zeros(0, np.int64)), ks=[1])
    assert m["ndcg@1"] == 1.0           # only user 1 is evaluated, and it ranks item 1 first
