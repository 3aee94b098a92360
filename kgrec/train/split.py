"""A fixed, persisted train/valid/test split of the interactions.

Per-user random split with RecBole's rounding (``RS`` + ``group_by: user``) unless the dataset
ships its own split (``GraphData.splits``). Arrays hold *interaction indices* into
``GraphData.interactions`` so the benchmark can write the identical split as RecBole atomic files.

Cold-item evaluation (``cold_items`` > 0): a seeded fraction of the items that have interactions
loses every train and valid row; those rows move to test. A second, disjoint seeded share of the same
size (*validation-cold* items) loses every train and test row; those rows move to valid, so model
choice and the content tower's calibration (:func:`kgrec.train.trainer.calibrate_cold_scale`) see
cold items as the test does. The items stay in the graph with their text and KG links, so a model
meets them only through content — as on a pre-split dataset where some items appear only in test.
:func:`cold_item_mask` finds such items in any split.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from kgrec.data import SPLIT_CODES, GraphData
from kgrec.errors import KgrecError

PARTS = ("train", "valid", "test")


@dataclass(frozen=True)
class Split:
    train: np.ndarray   # interaction indices, int64
    valid: np.ndarray
    test: np.ndarray
    seed: int
    ratios: tuple[float, float, float]
    source: str         # "random" or "dataset"
    split_id: str
    cold_items: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # items made cold (test)
    cold_fraction: float = 0.0
    cold_valid_items: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # cold, rows in valid

    def part(self, name: str) -> np.ndarray:
        if name not in PARTS:
            raise KgrecError(f"unknown split part {name!r} (use one of {', '.join(PARTS)})")
        return getattr(self, name)


def split_sizes(total: int, ratios: tuple[float, ...]) -> list[int]:
    """RecBole's ``_calcu_split_ids``: floor each part, give the rest to train, keep tiny parts ≥ 1."""
    counts = [int(r * total) for r in ratios]
    counts[0] = total - sum(counts[1:])
    for i in range(1, len(ratios)):
        if counts[0] <= 1:
            break
        if 0 < ratios[-i] * total < 1:
            counts[-i] += 1
            counts[0] -= 1
    return counts


def split_id_of(checksum: str, train: np.ndarray, valid: np.ndarray, test: np.ndarray) -> str:
    h = hashlib.sha256(checksum.encode())
    for arr in (train, valid, test):
        h.update(b"|" + np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def make_split(data: GraphData, seed: int = 2020,
               ratios: tuple[float, float, float] = (0.8, 0.1, 0.1), cold_items: float = 0.0) -> Split:
    """The dataset's own split when every interaction has one, else a seeded per-user random split;
    then, with ``cold_items`` > 0, that fraction of items made cold (see the module docstring)."""
    if abs(sum(ratios) - 1.0) > 1e-6 or min(ratios) < 0:
        raise KgrecError(f"split ratios must be non-negative and sum to 1, got {ratios}")
    if not 0 <= cold_items < 1:
        raise KgrecError(f"cold_items must be a fraction in [0, 1), got {cold_items}")
    split = _base_split(data, seed, ratios)
    return make_cold(data, split, cold_items) if cold_items > 0 else split


def make_cold(data: GraphData, split: Split, fraction: float) -> Split:
    """Move every train/valid row of a seeded ``fraction`` of the interacted items to test, and every
    train/test row of another, disjoint ``fraction`` (the validation-cold items) to valid."""
    interacted = np.unique(data.interactions[:, 1])
    n_cold = int(round(fraction * len(interacted)))
    rng = np.random.default_rng([split.seed, 0xC01D])
    cold = np.sort(rng.choice(interacted, n_cold, replace=False)).astype(np.int64)
    rest = np.setdiff1d(interacted, cold)
    rng = np.random.default_rng([split.seed, 0xC01D, 1])
    cold_valid = np.sort(rng.choice(rest, min(n_cold, len(rest)), replace=False)).astype(np.int64)
    to_test = np.isin(data.interactions[:, 1], cold)
    to_valid = np.isin(data.interactions[:, 1], cold_valid)
    moved_in = np.concatenate([split.train, split.test])        # rows that join valid
    train = split.train[~(to_test | to_valid)[split.train]]
    valid = np.sort(np.concatenate([split.valid[~to_test[split.valid]], moved_in[to_valid[moved_in]]]))
    test = np.sort(np.concatenate([split.test[~to_valid[split.test]], split.train[to_test[split.train]],
                                   split.valid[to_test[split.valid]]]))
    train, valid, test = (a.astype(np.int64) for a in (train, valid, test))
    h = hashlib.sha256(split_id_of(data.checksum(), train, valid, test).encode() + cold.tobytes()
                       + cold_valid.tobytes())
    return replace(split, train=train, valid=valid, test=test, cold_items=cold, cold_fraction=fraction,
                   cold_valid_items=cold_valid, split_id=h.hexdigest()[:16])


def cold_item_mask(data: GraphData, train_idx: np.ndarray) -> np.ndarray:
    """(n_items,) bool: items without any training interaction (cold for the model)."""
    return np.bincount(data.interactions[train_idx, 1], minlength=data.num_items) == 0


def split_for(data: GraphData, config) -> Split:
    """The split a training config asks for (``split_seed``, ``cold_items``)."""
    return make_split(data, config.split_seed, cold_items=config.cold_items)


def _base_split(data: GraphData, seed: int, ratios: tuple[float, float, float]) -> Split:
    if len(data.splits) and (data.splits != -1).all():
        parts = [np.flatnonzero(data.splits == SPLIT_CODES[p]).astype(np.int64) for p in PARTS]
        return Split(*parts, seed=seed, ratios=ratios, source="dataset",
                     split_id=split_id_of(data.checksum(), *parts))
    rng = np.random.default_rng(seed)
    users = data.interactions[:, 0]
    order = np.lexsort((rng.random(len(users)), users))   # by user, random within user
    bounds = np.flatnonzero(np.diff(users[order])) + 1
    parts: list[list[np.ndarray]] = [[], [], []]
    for group in np.split(order, bounds):
        if len(group) == 0:
            continue
        n_train, n_valid, _ = split_sizes(len(group), ratios)
        for k, chunk in enumerate(np.split(group, [n_train, n_train + n_valid])):
            parts[k].append(chunk)
    arrays = [np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, np.int64) for p in parts]
    return Split(*arrays, seed=seed, ratios=ratios, source="random",
                 split_id=split_id_of(data.checksum(), *arrays))


def save_split(split: Split, path: Path) -> None:
    meta = {"seed": split.seed, "ratios": list(split.ratios), "source": split.source,
            "split_id": split.split_id, "cold_fraction": split.cold_fraction}
    np.savez_compressed(path, train=split.train, valid=split.valid, test=split.test,
                        cold_items=split.cold_items, cold_valid_items=split.cold_valid_items,
                        meta=np.array(json.dumps(meta)))


def load_split(path: Path) -> Split:
    if not Path(path).exists():
        raise KgrecError(f"{path}: split file not found")
    with np.load(path) as z:
        meta = json.loads(str(z["meta"]))
        cold, cold_valid = (z[name] if name in z.files else np.zeros(0, np.int64)
                            for name in ("cold_items", "cold_valid_items"))
        return Split(z["train"], z["valid"], z["test"], seed=meta["seed"],
                     ratios=tuple(meta["ratios"]), source=meta["source"], split_id=meta["split_id"],
                     cold_items=cold, cold_fraction=float(meta.get("cold_fraction", 0.0)),
                     cold_valid_items=cold_valid)
