"""Model versions and vector I/O: the ``(:KgrecModel)`` record of a written-back run and the ``emb_v<n>``
vectors on User/Item/Entity nodes. Write-back, cold start and event ingestion all read and write
vectors through this module (so none of them imports another)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from kgrec.cypher import splice
from kgrec.db import Graph, QuietRows, vector_rows
from kgrec.errors import KgrecError, NotFoundError
from kgrec.serve.vectors import strip

LABELS = frozenset({"User", "Item", "Entity"})
BATCH_SIZE = 5000
WRITERS = 2   # concurrent write sessions: ~1.35x one on 2 cores (client packing overlaps the server's commit)
Progress = Callable[[str, int, int], None]  # (label, written so far, total)


@dataclass(frozen=True)
class ModelVersion:
    version: str
    dataset: str
    property: str
    index: str
    dim: int
    max_norm: float
    active: bool = False
    run_id: str | None = None
    text_map: list[float] | None = None
    text_dim: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ModelVersion:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in row.items() if k in fields})


def names_for(seq: int) -> tuple[str, str, str]:
    """(version, property, index) for sequence number ``seq``: all safe identifiers."""
    version = f"v{seq}"
    return version, f"emb_{version}", f"kgrec_item_{version}"


def write_vectors(graph: Graph, label: str, prop: str, keys: list[str], vectors: np.ndarray,
                  batch_size: int = BATCH_SIZE, progress: Progress | None = None, writers: int = WRITERS) -> int:
    """Set ``prop`` on the ``label`` nodes with ``keys`` (UNWIND batches, one write transaction each, ``writers``
    sessions at a time: batches touch disjoint nodes); error on unknown keys."""
    text = splice("serve/write_vectors", label=(label, LABELS))

    def write(start: int) -> int:
        rows = QuietRows(vector_rows(keys[start:start + batch_size], vectors[start:start + batch_size], "vec"))
        written = graph.write(lambda tx: tx.run(text, rows=rows, property=prop).single()["written"])
        if written != len(rows):
            _raise_missing(graph, label, [r["key"] for r in rows])
        return len(rows)

    done, pool = 0, ThreadPoolExecutor(max(1, writers))
    try:
        for count in pool.map(write, range(0, len(keys), batch_size)):
            done += count
            if progress:
                progress(label, done, len(keys))
    finally:
        pool.shutdown(cancel_futures=True)      # after a failed batch, queued batches are not written
    return done


def _raise_missing(graph: Graph, label: str, keys: list[str]) -> None:
    row = graph.query(splice("serve/missing_keys", label=(label, LABELS)), keys=keys)[0]
    raise KgrecError(f"{row['count']} {label} key(s) of the run are not in the graph, e.g. "
                     f"{', '.join(row['missing'])}; nothing was activated",
                     hint="load the dataset the run was trained on (same keys) before write-back")


def read_item_vectors(graph: Graph, model: ModelVersion) -> tuple[dict[str, int], np.ndarray]:
    """(item key -> row, the version's item embeddings without the MIPS component)."""
    rows = graph.query(splice("serve/read_vectors", label=("Item", LABELS)),
                       dataset=model.dataset, property=model.property)
    index = {r["key"]: n for n, r in enumerate(rows)}
    return index, strip(np.array([r["vec"] for r in rows], np.float32).reshape(len(rows), model.dim))


def activate_version(graph: Graph, version: str) -> dict[str, Any]:
    rows = graph.run("serve/activate", version=version)
    if not rows:
        raise NotFoundError(f"model version {version!r} does not exist or is not ready",
                         hint="see `kgrec models list`")
    return rows[0]


def get_model(graph: Graph, version: str | None = None, dataset: str | None = None) -> ModelVersion:
    """The version named ``version``, or the active version (of ``dataset`` when given)."""
    rows = graph.read("serve/get_model", version=version, dataset=dataset)
    if version is not None:
        rows = [r for r in rows if r["version"] == version]
        if not rows:
            raise NotFoundError(f"model version {version!r} does not exist", hint="see `kgrec models list`")
    if not rows:
        where = f" for dataset {dataset!r}" if dataset else ""
        raise NotFoundError(f"no active model version{where}", hint="run `kgrec write-back --run RUN_ID`")
    if len(rows) > 1:
        datasets = ", ".join(sorted({r["dataset"] for r in rows}))
        raise KgrecError(f"several datasets have an active model ({datasets})", hint="pass --dataset")
    return ModelVersion.from_row(rows[0])


def list_models(graph: Graph) -> list[dict[str, Any]]:
    return graph.read("serve/list_models")
