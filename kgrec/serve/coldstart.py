"""Cold start without retraining.

* Items: the model's own inductive item tower when it has one (``sage``: the trained function of
  text and KG neighbours, :mod:`kgrec.serve.tower`); otherwise (fallback for transductive models) a
  ridge map fitted at write-back time from text vectors (``text_vec``) to the trained item
  embeddings, blended with the mean embedding of the item's KG neighbours.
* Users: fold-in by regularised least squares against the fixed item embeddings (implicit-ALS
  objective: confidence-weighted 1 for consumed items, 0 for the rest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kgrec.errors import KgrecError
from kgrec.serve.tower import ItemTower
from kgrec.serve.vectors import Run, augment_items, augment_queries, strip
from kgrec.serve.versions import ModelVersion, read_item_vectors, write_vectors

if TYPE_CHECKING:
    from kgrec.db import Graph
    from kgrec.text import TextEncoder

RIDGE_LAMBDA = 1.0
MIN_TEXT_ITEMS = 10
TEXT_WEIGHT = 0.5          # blend of text prediction and neighbour mean when both exist
FOLD_IN_ALPHA = 20.0       # confidence of a consumed item
FOLD_IN_LAMBDA = 0.1       # x mean eigenvalue of Y^T Y


def fit_ridge(features: np.ndarray, targets: np.ndarray, lam: float = RIDGE_LAMBDA) -> np.ndarray:
    """W (f+1, d) minimising |[X 1] W - Y|^2 + lam |W|^2 (bias row last, unregularised)."""
    x = np.hstack([features, np.ones((len(features), 1))]).astype(np.float64)
    reg = lam * np.eye(x.shape[1])
    reg[-1, -1] = 0.0
    return np.linalg.solve(x.T @ x + reg, x.T @ np.asarray(targets, np.float64))


def apply_ridge(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    return np.hstack([features, np.ones((len(features), 1))]) @ weights


def fit_text_map_from_graph(graph: Graph, dataset: str, run: Run) -> np.ndarray | None:
    """Fit the text -> embedding map on the run's items that have ``text_vec`` (None if too few)."""
    rows = graph.run("serve/item_text_vectors", dataset=dataset)
    if len(rows) < MIN_TEXT_ITEMS:
        return None
    index = {str(k): i for i, k in enumerate(run.graph.keys["Item"])}
    pairs = [(index[r["key"]], r["text_vec"]) for r in rows if r["key"] in index]
    if len(pairs) < MIN_TEXT_ITEMS:
        return None
    rows_idx = np.array([p[0] for p in pairs])
    features = np.array([p[1] for p in pairs], dtype=np.float64)
    return fit_ridge(features, run.embeddings["Item"][rows_idx])


def encode_texts(texts: list[str], encoder: TextEncoder | str = "") -> np.ndarray:
    """Sentence vectors of ``texts`` from ``encoder`` (default MiniLM, offline)."""
    from kgrec.text import encoder_for

    return np.asarray(encoder_for(encoder).encode(texts), dtype=np.float32)


def encode_rows(rows: list[dict], encoder: TextEncoder | str, dim: int | None, what: str) -> dict[str, np.ndarray]:
    """key -> vector of each row's ``text``, encoded with ``encoder``, which must give ``dim``-d vectors."""
    if not rows:
        return {}
    from kgrec.text import check_dim, encoder_for

    encoder = encoder_for(encoder)
    vectors = encode_texts([r["text"] for r in rows], encoder)
    check_dim(vectors, encoder.name, dim, what)
    return {r["key"]: v for r, v in zip(rows, vectors, strict=True)}


def cold_item_vectors(model: ModelVersion, rows: list[dict], encoder: TextEncoder | str = ""
                      ) -> tuple[list[str], np.ndarray, list[str]]:
    """Embeddings for cold items from text (via the stored map) and KG neighbours.

    Texts without a ``text_vec`` are encoded with ``encoder``, which must produce vectors of the
    dimension the map was fitted on. Returns (keys embedded, their model-space vectors, keys that
    had neither text nor neighbours).
    """
    from kgrec.text import check_dim

    text_map = (np.array(model.text_map, np.float64).reshape(model.text_dim + 1, -1)
                if model.text_map else None)
    needs_encoding = [r for r in rows if r["text_vec"] is None and r["text"] and text_map is not None]
    what = f"model version {model.version}'s text map"
    present = [r["text_vec"] for r in rows if r["text_vec"] is not None and text_map is not None]
    if present:
        check_dim(np.array(present, np.float32), "text_vec on the graph", model.text_dim, what)
    encoded = encode_rows(needs_encoding, encoder, model.text_dim, what)
    keys, vectors, skipped = [], [], []
    for row in rows:
        text_vec = row["text_vec"] if row["text_vec"] is not None else encoded.get(row["key"])
        parts = []
        if text_map is not None and text_vec is not None:
            parts.append((TEXT_WEIGHT, apply_ridge(text_map, np.array([text_vec], np.float64))[0]))
        if row["neighbours"]:
            weight = 1.0 - TEXT_WEIGHT if parts else 1.0
            parts.append((weight, strip(np.array(row["neighbours"])).mean(axis=0)))
        if not parts:
            skipped.append(row["key"])
            continue
        total = sum(w for w, _ in parts)
        keys.append(row["key"])
        vectors.append(sum(w * v for w, v in parts) / total)
    return keys, np.array(vectors, np.float32).reshape(len(keys), model.dim - 1), skipped


def fold_in(item_vectors: np.ndarray, positives: list[np.ndarray], weights: list[np.ndarray]) -> np.ndarray:
    """Implicit-ALS fold-in of each user from the indices of their items (fixed item vectors)."""
    y = np.asarray(item_vectors, np.float64)
    gram = y.T @ y
    lam = FOLD_IN_LAMBDA * max(np.trace(gram) / y.shape[1], 1e-9)
    out = np.zeros((len(positives), y.shape[1]), np.float32)
    for n, (idx, w) in enumerate(zip(positives, weights, strict=True)):
        yp = y[idx]
        confidence = 1.0 + FOLD_IN_ALPHA * np.asarray(w, np.float64) / max(float(np.max(w)), 1e-9)
        a = gram + (yp.T * (confidence - 1.0)) @ yp + lam * np.eye(y.shape[1])
        out[n] = np.linalg.solve(a, yp.T @ confidence)
    return out


def refresh_users(graph: Graph, model: ModelVersion, user_keys: list[str]) -> int:
    """Fold in ``user_keys`` against the version's item vectors and write their vectors."""

    if not user_keys:
        return 0
    index, items = read_item_vectors(graph, model)
    if not len(items):
        raise KgrecError(f"model version {model.version} has no item vectors")
    keys, positives, weights = [], [], []
    for row in graph.run("serve/user_items", keys=user_keys):
        idx = [index[k] for k in row["items"] if k in index]
        if idx:
            keys.append(row["key"])
            positives.append(np.array(idx))
            pairs = zip(row["items"], row["weights"], strict=True)
            weights.append(np.array([w for k, w in pairs if k in index]))
    vectors = augment_queries(fold_in(items, positives, weights))
    return write_vectors(graph, "User", model.property, keys, vectors)


def tower_item_vectors(tower: ItemTower, rows: list[dict], encoder: TextEncoder | str = ""
                       ) -> tuple[list[str], np.ndarray, list[str]]:
    """Embeddings for cold items from the model's own inductive tower (text + KG neighbours).

    Texts without a ``text_vec`` of the tower's dimension are encoded with ``encoder`` (the text model
    the run was trained with). Returns (keys embedded, vectors, keys with neither text nor known
    neighbours)."""
    needs_encoding = [r for r in rows if r["text"] and tower.text_dim
                      and (r["text_vec"] is None or len(r["text_vec"]) != tower.text_dim)]
    encoded = encode_rows(needs_encoding, encoder, tower.text_dim, "the model's item tower")
    keys, vectors, skipped = [], [], []
    for row in rows:
        text_vec = encoded.get(row["key"], row["text_vec"]) if tower.text_dim else None
        vector = tower.embed(text_vec, row["neighbours"])
        if vector is None:
            skipped.append(row["key"])
            continue
        keys.append(row["key"])
        vectors.append(vector)
    return keys, np.array(vectors, np.float32).reshape(len(keys), tower.dim), skipped


def embed_cold_items(graph: Graph, model: ModelVersion, encoder: TextEncoder | str = "",
                     tower: ItemTower | None = None) -> tuple[int, list[str]]:
    """Give every item of the version's dataset lacking a vector one, with the model's item tower when it
    has one, else the ridge text map + KG neighbour mean; returns (count, skipped keys)."""
    if tower is not None:
        rows = graph.run("serve/cold_item_neighbours", dataset=model.dataset, property=model.property)
        keys, vectors, skipped = tower_item_vectors(tower, rows, encoder)
    else:
        rows = graph.run("serve/cold_items", dataset=model.dataset, property=model.property)
        keys, vectors, skipped = cold_item_vectors(model, rows, encoder)
    if keys:
        write_vectors(graph, "Item", model.property, keys, augment_items(vectors, model.max_norm))
    return len(keys), skipped


def embed_cold_users(graph: Graph, model: ModelVersion) -> int:
    keys = [r["key"] for r in graph.run("serve/cold_users", dataset=model.dataset, property=model.property)]
    return refresh_users(graph, model, keys)
