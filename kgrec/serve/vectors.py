"""Embedding runs on disk and the MIPS -> nearest-neighbour reduction used by the vector index.

Neo4j 5.26 vector indexes rank by cosine or euclidean similarity, the models by dot product.
Every stored vector gets one extra component: items ``sqrt(M^2 - |x|^2)`` (so all items have
norm M), users and entities 0. For a query ``[u, 0]`` the cosine with an augmented item is
``u.x / (|u| M)``: ordering by the index's similarity is exactly ordering by ``u.x``, and the dot
product of two stored vectors is the model's score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgrec.data import GraphData
from kgrec.errors import KgrecError
from kgrec.train.runs import RunStore

NORM_HEADROOM = 1.25  # M = headroom x the largest trained item norm, so cold items fit too


@dataclass
class Run:
    run_id: str
    directory: Path
    graph: GraphData
    embeddings: dict[str, np.ndarray]  # label -> (n, d) float32 aligned with graph.keys[label]
    model: str

    @property
    def dim(self) -> int:
        return int(self.embeddings["Item"].shape[1])


def run_directory(run: str | Path, runs_dir: Path | None = None) -> Path:
    """``run`` is a run id under ``runs/`` (or $KGREC_RUNS_DIR) or a path to a run directory."""
    return RunStore(runs_dir).find(run)


def load_run(run: str | Path, runs_dir: Path | None = None) -> Run:
    """Load keys (graph/) and embeddings.npz of a training run, checking that they line up."""
    directory = run_directory(run, runs_dir)
    from kgrec.privacy import refuse_forgotten_run  # a run scrubbed by `kgrec forget` is never served

    refuse_forgotten_run(directory)
    emb_path = directory / "embeddings.npz"
    if not emb_path.exists():
        raise KgrecError(f"{emb_path}: missing (the run has no final embeddings)")
    if not (directory / "graph" / "graph.json").exists():
        raise KgrecError(f"{directory / 'graph'}: missing (the run has no saved graph keys)")
    graph = GraphData.load(directory / "graph")
    with np.load(emb_path) as z:
        embeddings = {label: np.asarray(z[label], dtype=np.float32) for label in z.files}
    for label in ("User", "Item"):
        if label not in embeddings:
            raise KgrecError(f"{emb_path}: no {label!r} array")
    dims = {arr.shape[1] for arr in embeddings.values() if arr.ndim == 2}
    for label, arr in embeddings.items():
        if arr.ndim != 2 or len(dims) != 1:
            raise KgrecError(f"{emb_path}: array {label!r} has shape {arr.shape}; expected (n, d) with one d")
        if arr.shape[0] != graph.num_nodes(label):
            raise KgrecError(f"{emb_path}: {label!r} has {arr.shape[0]} rows but the run's graph has "
                             f"{graph.num_nodes(label)} {label} keys")
        if not np.isfinite(arr).all():
            raise KgrecError(f"{emb_path}: {label!r} contains NaN or infinite values")
    config_path = directory / "config.json"
    config = json.loads(config_path.read_text()) if config_path.exists() else {}
    model = str(config.get("model", config.get("model_name", "unknown")))
    return Run(directory.name, directory, graph, embeddings, model)


def max_norm_for(items: np.ndarray) -> float:
    norms = np.linalg.norm(items, axis=1)
    return float(max(norms.max(initial=0.0), 1e-6) * NORM_HEADROOM)


def augment_items(items: np.ndarray, max_norm: float) -> np.ndarray:
    """Append sqrt(M^2 - |x|^2); vectors longer than M are first scaled down to norm M."""
    items = np.asarray(items, dtype=np.float64)
    norms = np.linalg.norm(items, axis=1, keepdims=True)
    scale = np.minimum(1.0, max_norm / np.maximum(norms, 1e-12))
    items = items * scale
    extra = np.sqrt(np.maximum(max_norm ** 2 - (items ** 2).sum(axis=1, keepdims=True), 0.0))
    return np.hstack([items, extra]).astype(np.float32)


def augment_queries(vectors: np.ndarray) -> np.ndarray:
    """Users and entities: append a 0 component (it drops out of every dot product)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return np.hstack([vectors, np.zeros((len(vectors), 1), np.float32)])


def strip(vectors: np.ndarray) -> np.ndarray:
    """The model's embedding from a stored (augmented) vector."""
    return np.asarray(vectors, dtype=np.float32)[..., :-1]
