"""Per-user random split with RecBole's rounding; dataset pre-splits; persistence."""

from __future__ import annotations

import numpy as np
import pytest

from kgrec.errors import KgrecError
from kgrec.train.split import load_split, make_split, save_split, split_sizes
from tests.train_fixtures import tiny_graph


@pytest.mark.parametrize(("total", "expected"), [(10, [8, 1, 1]), (25, [21, 2, 2]), (5, [3, 1, 1]),
                                                 (2, [1, 0, 1]), (1, [1, 0, 0])])
def test_split_sizes_follow_recbole(total: int, expected: list[int]) -> None:
    assert split_sizes(total, (0.8, 0.1, 0.1)) == expected


def test_split_is_per_user_disjoint_and_covering() -> None:
    data = tiny_graph()
    split = make_split(data, seed=7)
    everything = np.concatenate([split.train, split.valid, split.test])
    assert sorted(everything.tolist()) == list(range(len(data.interactions)))
    users = data.interactions[:, 0]
    for u in np.unique(users):
        n = int((users == u).sum())
        counts = [int((users[p] == u).sum()) for p in (split.train, split.valid, split.test)]
        assert counts == split_sizes(n, (0.8, 0.1, 0.1))


def test_split_is_seeded() -> None:
    data = tiny_graph()
    a, b, c = make_split(data, 1), make_split(data, 1), make_split(data, 2)
    assert a.split_id == b.split_id and np.array_equal(a.test, b.test)
    assert a.split_id != c.split_id


def test_dataset_pre_split_is_used() -> None:
    data = tiny_graph()
    data.splits = (np.arange(len(data.interactions)) % 3).astype(np.int8)
    split = make_split(data, 1)
    assert split.source == "dataset"
    assert np.array_equal(split.valid, np.flatnonzero(data.splits == 1))


def test_save_and_load_round_trip(tmp_path) -> None:
    split = make_split(tiny_graph(), 3)
    save_split(split, tmp_path / "split.npz")
    loaded = load_split(tmp_path / "split.npz")
    assert loaded.split_id == split.split_id and np.array_equal(loaded.train, split.train)
    with pytest.raises(KgrecError, match="not found"):
        load_split(tmp_path / "missing.npz")
