"""Seeded training with early stopping on validation NDCG@10, a checkpoint every epoch, resume.

Every epoch re-seeds torch and numpy from ``(seed, epoch)``, so resuming from the checkpoint of
epoch *e* replays epochs *e+1…* exactly as an uninterrupted run would.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kgrec.data import GraphData
from kgrec.errors import KgrecError
from kgrec.models import build_model
from kgrec.models.base import Batch, Recommender, TextFeatures
from kgrec.models.config import TrainConfig
from kgrec.train import runs
from kgrec.train.metrics import evaluate_full_ranking
from kgrec.train.split import Split, cold_item_mask, load_split, save_split, split_for

MONITOR = "ndcg@10"


@dataclass
class Reporter:
    """Callbacks for progress display (all optional)."""

    on_start: Callable[[int, int], None] = lambda start_epoch, epochs: None
    on_batch: Callable[[float], None] = lambda loss: None
    on_epoch: Callable[[dict[str, Any]], None] = lambda record: None


@dataclass
class TrainState:
    epoch: int = -1                      # last finished epoch
    best_epoch: int = -1
    best_score: float = -1.0
    bad_epochs: int = 0
    wall_seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


def set_determinism(config: TrainConfig) -> None:
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def seed_epoch(seed: int, epoch: int) -> np.random.Generator:
    torch.manual_seed(seed * 100_003 + epoch)
    return np.random.default_rng([seed, epoch])


class NegativeSampler:
    """Uniform negatives from ``pool`` (default: every item), resampled while they hit one of the
    user's training items.

    The trainer's pool is the *warm* items (those with training interactions) unless
    ``negative_pool = "all"``: an item that is never a positive would otherwise only ever be pushed
    down, and its embedding would learn to be bad for everyone (issue 13).
    """

    def __init__(self, pairs: np.ndarray, n_items: int, pool: np.ndarray | None = None) -> None:
        self.n_items = n_items
        self.codes = np.unique(pairs[:, 0] * n_items + pairs[:, 1])
        self.pool = None if pool is None else np.asarray(pool, np.int64)

    def is_positive(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        codes = users * self.n_items + items
        pos = np.searchsorted(self.codes, codes).clip(max=len(self.codes) - 1)
        return self.codes[pos] == codes

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.pool is None:
            return rng.integers(0, self.n_items, n)
        return self.pool[rng.integers(0, len(self.pool), n)]

    def sample(self, users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        items = self.draw(len(users), rng)
        for _ in range(50):
            bad = self.is_positive(users, items)
            if not bad.any():
                break
            items[bad] = self.draw(int(bad.sum()), rng)
        return items


def evaluate(model: Recommender, data: GraphData, split: Split, part: str,
             ks: tuple[int, ...] = (10, 20), items: str = "all") -> dict[str, float]:
    """Full ranking over all items on ``part``'s rows; excludes train items (and valid items when
    testing, as RecBole). ``items`` = "cold" / "warm" keeps only the held-out rows whose item has no /
    some training interaction (the ranking still covers every item)."""
    model.eval()
    held = data.interactions[split.part(part)]
    if items != "all":
        cold = cold_item_mask(data, split.train)[held[:, 1]]
        held = held[cold if items == "cold" else ~cold]
    seen_idx = split.train if part == "valid" else np.concatenate([split.train, split.valid])
    seen = data.interactions[seen_idx]
    return evaluate_full_ranking(model.score_all, data.num_users, (held[:, 0], held[:, 1]),
                                 (seen[:, 0], seen[:, 1]), ks)


def cold_warm_metrics(model: Recommender, data: GraphData, split: Split, ks: tuple[int, ...]
                      ) -> dict[str, Any]:
    """Test metrics on cold-item rows and on warm rows separately (empty when no test row is cold)."""
    cold = cold_item_mask(data, split.train)
    test_items = data.interactions[split.test, 1]
    if not cold[test_items].any():
        return {}
    return {"cold_items": int(cold.sum()), "cold_test_rows": int(cold[test_items].sum()),
            "test_cold": evaluate(model, data, split, "test", ks, "cold"),
            "test_warm": evaluate(model, data, split, "test", ks, "warm")}


COLD_MULTIPLIERS = (0.25, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)


def served_at(model: Recommender, data: GraphData, split: Split, part: str, multiplier: float,
              ks: tuple[int, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """(warm-row, cold-row) metrics on ``part`` with the content tower serving at ``multiplier``."""
    model.tower.serve_multiplier = multiplier
    return evaluate(model, data, split, part, ks, "warm"), evaluate(model, data, split, part, ks, "cold")


def calibrate_cold_scale(model: Recommender, data: GraphData, split: Split, ks: tuple[int, ...],
                         tolerance: float = 0.05) -> dict[str, Any]:
    """Choose the content tower's ``serve_multiplier`` on validation: the loudest cold items whose cost to
    the warm validation rows stays within ``tolerance`` — the largest cold Recall@20 among multipliers
    whose warm NDCG@10 is ≥ (1 − tolerance) × the warm NDCG@10 with cold items silent (multiplier 0);
    the quietest multiplier when none is. Needs validation rows on items without training interactions
    (the validation-cold items of ``--cold-items``, or a pre-split dataset's valid-only items); without
    them the multiplier stays 1 and the record says why."""
    tower = getattr(model, "tower", None)
    if tower is None:
        return {}
    cold = cold_item_mask(data, split.train)
    valid_cold_rows = int(cold[data.interactions[split.valid, 1]].sum())
    if valid_cold_rows == 0:
        tower.serve_multiplier = 1.0
        return {"cold_calibration": {"multiplier": 1.0, "valid_cold_rows": 0,
                                     "note": "not calibrated: no validation row on an item without training rows"}}

    def point(multiplier: float) -> dict[str, Any]:
        warm, cold_rows = served_at(model, data, split, "valid", multiplier, ks)
        return {"multiplier": multiplier, "valid_warm_ndcg@10": warm[MONITOR],
                "valid_cold_recall@20": cold_rows.get("recall@20", 0.0)}

    silent = point(0.0)["valid_warm_ndcg@10"]
    grid = [point(m) for m in COLD_MULTIPLIERS]
    within = [g for g in grid if g["valid_warm_ndcg@10"] >= (1 - tolerance) * silent]
    best = max(within, key=lambda g: (g["valid_cold_recall@20"], -g["multiplier"])) if within else grid[0]
    tower.serve_multiplier = best["multiplier"]
    model.eval()                                   # drops the cached vectors of the last grid point
    return {"cold_calibration": {"multiplier": best["multiplier"], "tolerance": tolerance,
                                 "valid_warm_ndcg@10_silent": silent, "valid_cold_rows": valid_cold_rows,
                                 "grid": grid}}


class Trainer:
    def __init__(self, data: GraphData, config: TrainConfig, run_dir: Path, split: Split,
                 text: TextFeatures | None = None, reporter: Reporter | None = None) -> None:
        set_determinism(config)
        self.data, self.config, self.run_dir, self.split = data, config, run_dir, split
        self.reporter = reporter or Reporter()
        torch.manual_seed(config.seed)
        self.model = build_model(data, split.train, config, text)
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(params, lr=config.lr) if params else None
        self.pairs = data.interactions[split.train]
        pool = np.unique(self.pairs[:, 1]) if config.negative_pool == "warm" else None
        self.sampler = NegativeSampler(self.pairs, data.num_items, pool)
        self.state = TrainState()
        self.checkpoints = run_dir / "checkpoints"
        self.checkpoints.mkdir(exist_ok=True)

    # -- checkpoints -----------------------------------------------------------------------------
    def save_checkpoint(self, name: str) -> None:
        payload = {"model": self.model.state_dict(), "state": self.state.__dict__,
                   "optimizer": self.optimizer.state_dict() if self.optimizer else None}
        tmp = self.checkpoints / f".{name}.tmp"
        torch.save(payload, tmp)
        os.replace(tmp, self.checkpoints / name)

    def load_checkpoint(self, name: str) -> None:
        payload = torch.load(self.checkpoints / name)
        self.model.load_state_dict(payload["model"])
        if self.optimizer and payload["optimizer"]:
            self.optimizer.load_state_dict(payload["optimizer"])
        self.state = TrainState(**payload["state"])

    # -- training --------------------------------------------------------------------------------
    def batches(self, rng: np.random.Generator):
        order = rng.permutation(len(self.pairs))
        kg = self.model.kg_loss_triples()    # the model contract, no attribute probing
        use_kg_loss = kg is not None and len(kg) and self.config.kg_loss_weight > 0
        for start in range(0, len(order), self.config.batch_size):
            chunk = self.pairs[order[start:start + self.config.batch_size]]
            users = chunk[:, 0]
            k = self.config.n_negatives
            negatives = self.sampler.sample(np.repeat(users, k), rng).reshape(len(users), k) if k > 1 \
                else self.sampler.sample(users, rng)
            kg_batch = None
            if use_kg_loss:
                rows = kg[rng.integers(0, len(kg), self.config.kg_batch_size)]
                corrupt = rng.integers(0, self.model.num_nodes_total, len(rows))
                kg_batch = tuple(torch.from_numpy(a) for a in (rows[:, 0], rows[:, 1], rows[:, 2], corrupt))
            yield Batch(torch.from_numpy(users), torch.from_numpy(chunk[:, 1]),
                        torch.from_numpy(negatives), kg_batch)

    def train_epoch(self, epoch: int) -> float:
        rng = seed_epoch(self.config.seed, epoch)
        self.model.train()
        if self.optimizer is None:
            return 0.0
        self.model.on_epoch_start()
        total, n = 0.0, 0
        for batch in self.batches(rng):
            self.optimizer.zero_grad()
            loss = self.model.loss(batch)
            loss.backward()
            self.optimizer.step()
            total += float(loss) * len(batch.users)
            n += len(batch.users)
            self.reporter.on_batch(float(loss))
        return total / max(n, 1)

    def fit(self) -> TrainState:
        """Train from ``state.epoch + 1`` until ``epochs`` or early stop; best weights in best.pt."""
        config, state = self.config, self.state
        epochs = 1 if self.optimizer is None else config.epochs
        self.reporter.on_start(state.epoch + 1, epochs)
        for epoch in range(state.epoch + 1, epochs):
            if state.bad_epochs >= config.patience:
                break
            started = time.perf_counter()
            record: dict[str, Any] = {"epoch": epoch, "loss": self.train_epoch(epoch)}
            if (epoch + 1) % config.eval_every == 0 or epoch == epochs - 1:
                valid = evaluate(self.model, self.data, self.split, "valid", config.ks)
                record.update({f"valid_{k}": v for k, v in valid.items()})
                if valid[MONITOR] > state.best_score:
                    state.best_score, state.best_epoch, state.bad_epochs = valid[MONITOR], epoch, 0
                    torch.save(self.model.state_dict(), self.checkpoints / "best.pt")
                else:
                    state.bad_epochs += 1
            state.wall_seconds += time.perf_counter() - started
            record["seconds"] = round(state.wall_seconds, 2)
            state.history.append(record)
            state.epoch = epoch
            self.save_checkpoint("last.pt")
            self.reporter.on_epoch(record)
        return state

    def finish(self) -> dict[str, Any]:
        """Restore the best weights; write metrics.json, embeddings.npz and curve.png."""
        self.model.load_state_dict(torch.load(self.checkpoints / "best.pt"))
        calibration = calibrate_cold_scale(self.model, self.data, self.split, self.config.ks,
                                           self.config.cold_warm_tolerance)
        state = self.state
        metrics = {"model": self.config.model, "dataset": self.data.dataset,
                   "split_id": self.split.split_id, "dataset_checksum": self.data.checksum(),
                   "kg_relations_kept": kept_relations(self.data, self.config),
                   "best_epoch": state.best_epoch, "epochs_run": state.epoch + 1,
                   "wall_seconds": round(state.wall_seconds, 2),
                   "time_to_best_seconds": next((h["seconds"] for h in state.history
                                                 if h["epoch"] == state.best_epoch), None),
                   "history": state.history,
                   "valid": evaluate(self.model, self.data, self.split, "valid", self.config.ks),
                   "test": evaluate(self.model, self.data, self.split, "test", self.config.ks),
                   "cold_fraction": self.split.cold_fraction,
                   **cold_warm_metrics(self.model, self.data, self.split, self.config.ks), **calibration}
        metrics.update(self.model.run_record())   # e.g. HAN: metapaths and their semantic attention
        runs.write_json(self.run_dir / "metrics.json", metrics)
        runs.save_embeddings(self.run_dir / "embeddings.npz", self.model.embeddings())
        tower = self.model.item_tower()          # inductive models: embeds items added after training
        if tower is not None:
            np.savez(self.run_dir / "tower.npz", **tower)
        attention = self.model.kg_attention()   # KG edge attention (KGAT), for path explanations
        if attention:
            runs.save_attention(self.run_dir / "attention.npz", attention)
        if state.history:
            runs.plot_curve(self.run_dir / "curve.png", state.history)
        return metrics


def kept_relations(data: GraphData, config: TrainConfig) -> list[str]:
    """The KG relation types the model trains on (after ``--kg-relations``; none without the KG)."""
    return sorted({rel for _, rel, _ in data.kg}) if config.use_kg else []


def prepare_run(data: GraphData, config: TrainConfig, root: Path, split: Split | None = None,
                tag: str = "") -> tuple[Path, Split]:
    """Create ``runs/<id>/`` with config, graph, split and dataset checksum."""
    split = split or split_for(data, config)
    config = replace(config, dataset=data.dataset)
    run_dir = runs.new_run_dir(root, config.model, data.dataset, tag)
    config_dict = config.to_dict() | {"split_id": split.split_id, "dataset_checksum": data.checksum(),
                                      "kg_relations_kept": kept_relations(data, config)}
    runs.write_json(run_dir / "config.json", config_dict)
    data.save(run_dir / "graph")
    save_split(split, run_dir / "split.npz")
    (run_dir / "dataset.sha256").write_text(data.checksum() + "\n")
    return run_dir, split


def train_new(data: GraphData, config: TrainConfig, root: Path, text: TextFeatures | None = None,
              split: Split | None = None, tag: str = "", reporter: Reporter | None = None
              ) -> tuple[Path, dict[str, Any]]:
    run_dir, split = prepare_run(data, config, root, split, tag)
    trainer = Trainer(data, config, run_dir, split, text, reporter)
    trainer.fit()
    return run_dir, trainer.finish()


def run_config(run_dir: Path) -> TrainConfig:
    """The training config recorded in ``run_dir/config.json``."""
    raw = runs.read_json(run_dir / "config.json")
    fields_ = {k: v for k, v in raw.items() if k in TrainConfig.__dataclass_fields__}
    fields_["ks"] = tuple(fields_.get("ks", (10, 20)))
    return replace(TrainConfig(), **fields_)


def load_run(run_dir: Path) -> tuple[GraphData, TrainConfig, Split]:
    return GraphData.load(run_dir / "graph"), run_config(run_dir), load_split(run_dir / "split.npz")


def resume(run_dir: Path, text: TextFeatures | None = None, reporter: Reporter | None = None
           ) -> dict[str, Any]:
    """Continue a run from its last checkpoint (same config, graph and split)."""
    data, config, split = load_run(run_dir)
    if config.distributed:
        raise KgrecError(f"run {run_dir.name} was trained with --distributed, which cannot be resumed",
                         hint="train it again (kgrec train --distributed …)")
    trainer = Trainer(data, config, run_dir, split, text, reporter)
    if (trainer.checkpoints / "last.pt").exists():
        trainer.load_checkpoint("last.pt")
    trainer.fit()
    return trainer.finish()
