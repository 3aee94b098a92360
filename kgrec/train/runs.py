"""Run directories ``runs/<run_id>/``: config, metrics, graph, split, checkpoints, curve, embeddings.

:class:`RunStore` is the one place that creates, finds and lists them (training, write-back, the CLI
and the API all go through it).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from kgrec.errors import NotFoundError
from kgrec.settings import runs_dir


def runs_root() -> Path:
    """``<home>/runs``, or ``$KGREC_RUNS_DIR``."""
    return runs_dir()


def new_run_dir(root: Path, model: str, dataset: str, tag: str = "") -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = "-".join(p for p in (stamp, dataset, model, tag) if p)
    path, n = root / base, 1
    while path.exists():
        n += 1
        path = root / f"{base}-{n}"
    path.mkdir(parents=True)
    return path


def find_run(root: Path, run: str | Path) -> Path:
    """Run ``run``: a run id under ``root`` or the path of a run directory."""
    path = Path(run)
    if path.is_dir() and ((path / "config.json").exists() or str(run) != path.name):
        return path
    if "/" in str(run) or str(run).startswith("."):
        raise NotFoundError(f"run directory {run} does not exist")
    path = root / str(run)
    if not (path / "config.json").exists():
        raise NotFoundError(f"run {str(run)!r} not found under {root}", hint="`kgrec evaluate` lists runs")
    return path


class RunStore:
    """The run directories under one root (default ``runs/`` or ``$KGREC_RUNS_DIR``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else runs_root()

    def new(self, model: str, dataset: str, tag: str = "") -> Path:
        """A fresh, empty run directory ``<time>-<dataset>-<model>[-tag]``."""
        return new_run_dir(self.root, model, dataset, tag)

    def find(self, run: str | Path) -> Path:
        """The directory of run ``run`` (id or path); :class:`NotFoundError` if there is none."""
        return find_run(self.root, run)

    def list(self, dataset: str | None = None, cold_items: float | None = None) -> list[dict[str, Any]]:
        """One summary row per finished run (oldest first)."""
        return list_runs(self.root, dataset, cold_items) if self.root.exists() else []

    def __repr__(self) -> str:
        return f"RunStore({str(self.root)!r})"


def write_json(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True))
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def save_embeddings(path: Path, embeddings: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(".embeddings.tmp.npz")
    np.savez(tmp, **{k: np.asarray(v, np.float32) for k, v in embeddings.items()})
    os.replace(tmp, path)


def save_attention(path: Path, attention: dict[tuple[str, str, str], np.ndarray]) -> None:
    """KG attention per canonical edge type, ``att__<src>__<REL>__<dst>`` -> (k, 2) [head->tail, tail->head]."""
    tmp = path.with_name(".attention.tmp.npz")
    np.savez(tmp, **{"att__" + "__".join(etype): np.asarray(a, np.float32) for etype, a in attention.items()})
    os.replace(tmp, path)


def load_attention(path: Path) -> dict[tuple[str, str, str], np.ndarray]:
    """The inverse of :func:`save_attention` (empty when the run has no attention file)."""
    if not path.exists():
        return {}
    with np.load(path) as z:
        return {tuple(k.split("__")[1:4]): z[k] for k in z.files if k.startswith("att__")}


def list_runs(root: Path, dataset: str | None = None, cold_items: float | None = None) -> list[dict[str, Any]]:
    """One summary row per finished run (oldest first), optionally for one dataset.

    With ``cold_items``, only runs trained with that cold-item fraction, with Recall@20 / NDCG@20 on
    the cold-item and warm test rows added."""
    rows = []
    for run in sorted(p for p in root.glob("*") if (p / "metrics.json").exists()):
        config, metrics = read_json(run / "config.json"), read_json(run / "metrics.json")
        if dataset and metrics.get("dataset", config.get("dataset")) != dataset:
            continue
        if cold_items is not None and abs(metrics.get("cold_fraction", 0.0) - cold_items) > 1e-9:
            continue
        test = metrics.get("test", {})
        row = {"run": run.name, "model": config["model"], "kg": config.get("use_kg"),
               "text": config.get("use_text"), "split": metrics.get("split_id", "")[:8],
               "best_epoch": metrics.get("best_epoch"),
               **{k: test.get(k) for k in ("recall@10", "ndcg@10", "hit@10", "mrr@10", "ndcg@20")},
               "wall_s": round(metrics.get("wall_seconds", 0.0), 1), "metapaths": metapath_summary(metrics)}
        if cold_items is not None:
            row |= {f"{part}_{k}": metrics.get(f"test_{part}", {}).get(k)
                    for part in ("cold", "warm") for k in ("recall@20", "ndcg@20")}
        rows.append(row)
    return rows


def metapath_summary(metrics: dict[str, Any]) -> str:
    """HAN runs: each metapath with its learned semantic attention, ``"U-I-U 0.41, I-U-I 0.59"``; else ""."""
    attention = metrics.get("semantic_attention", {})
    return ", ".join(f"{name} {attention[name]:.2f}" if name in attention else name
                     for name in metrics.get("metapaths", []))


def plot_curve(path: Path, history: list[dict[str, float]]) -> None:
    """Training loss and validation NDCG@10 per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, left = plt.subplots(figsize=(6, 3.5))
    epochs = [h["epoch"] for h in history]
    left.plot(epochs, [h["loss"] for h in history], color="tab:blue", label="train loss")
    left.set_xlabel("epoch")
    left.set_ylabel("BPR loss", color="tab:blue")
    right = left.twinx()
    evaluated = [h for h in history if "valid_ndcg@10" in h]
    right.plot([h["epoch"] for h in evaluated], [h["valid_ndcg@10"] for h in evaluated],
               color="tab:red", marker=".", label="valid NDCG@10")
    right.set_ylabel("valid NDCG@10", color="tab:red")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
