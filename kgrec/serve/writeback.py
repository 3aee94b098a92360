"""Versioned write-back: embeddings -> node properties + vector index -> atomic activation.

A version ``v<n>`` owns the property ``emb_v<n>`` on User/Item/Entity nodes and the vector index
``kgrec_item_v<n>``; its ``(:KgrecModel)`` node records status and whether it is active. Readers
only follow the active version, which switches in one transaction after every vector is written
and the index is ONLINE, so they never see a mix. Any failure removes the partial version.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kgrec.cypher import splice
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.serve import coldstart
from kgrec.serve.phrases import phrase_rows
from kgrec.serve.vectors import Run, augment_items, augment_queries, load_run, max_norm_for
from kgrec.serve.versions import (  # noqa: F401  (re-exported: writeback.get_model etc.)
    BATCH_SIZE,
    LABELS,
    ModelVersion,
    Progress,
    activate_version,
    get_model,
    list_models,
    names_for,
    write_vectors,
)
from kgrec.train.runs import load_attention

INDEX_TIMEOUT_S = 600.0


def write_back(graph: Graph, run: str | Run, *, activate: bool = True, runs_dir: Path | None = None,
               batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> ModelVersion:
    """Write a run's embeddings as a new version; activate it when complete (unless told not to)."""
    loaded = run if isinstance(run, Run) else load_run(run, runs_dir)
    seq = graph.run("serve/next_sequence")[0]["seq"]
    version, prop, index = names_for(seq)
    max_norm = max_norm_for(loaded.embeddings["Item"])
    graph.run("serve/create_model", version=version, seq=seq, dataset=loaded.graph.dataset,
              run_id=loaded.run_id, property=prop, index=index, dim=loaded.dim + 1,
              max_norm=max_norm, model=loaded.model)
    model = ModelVersion(version, loaded.graph.dataset, prop, index, loaded.dim + 1, max_norm,
                         run_id=loaded.run_id)
    try:
        counts = {}
        for label, vectors in _stored_vectors(loaded, max_norm):
            keys = [str(k) for k in loaded.graph.keys[label]]
            counts[label] = write_vectors(graph, label, prop, keys, vectors, batch_size, progress)
        create_index(graph, model)
        _store_text_map(graph, model, loaded)
        write_attention(graph, model, loaded, batch_size)
        store_phrases(graph, model.dataset)
        graph.run("serve/set_status", version=version, status="ready",
                  counts=[f"{label}={n}" for label, n in counts.items()])
    except BaseException:
        remove_version(graph, model)
        raise
    if activate:
        activate_version(graph, version)
    return ModelVersion(**{**model.__dict__, "active": activate})


def _stored_vectors(run: Run, max_norm: float) -> Iterator[tuple[str, np.ndarray]]:
    yield "Item", augment_items(run.embeddings["Item"], max_norm)
    yield "User", augment_queries(run.embeddings["User"])
    if "Entity" in run.embeddings and run.graph.num_nodes("Entity"):
        yield "Entity", augment_queries(run.embeddings["Entity"])


def create_index(graph: Graph, model: ModelVersion, timeout_s: float = INDEX_TIMEOUT_S) -> None:
    """Create the version's vector index and wait until it is ONLINE."""
    # a stale index of the same name can only be left over from wiped data: replace it
    graph.query(splice("admin/drop_index", name=(model.index, {model.index})))
    text = splice("serve/create_vector_index", index=(model.index, {model.index}),
                  property=(model.property, {model.property}))
    graph.query(text, dimensions=model.dim)
    deadline = time.monotonic() + timeout_s
    while True:
        rows = graph.run("serve/index_state", name=model.index)
        state = rows[0]["state"] if rows else "MISSING"
        if state == "ONLINE":
            return
        if state == "FAILED" or time.monotonic() > deadline:
            raise KgrecError(f"vector index {model.index} is {state} (not ONLINE)")
        time.sleep(0.2)


def attention_property(version: str) -> str:
    return f"att_{version}"


def write_attention(graph: Graph, model: ModelVersion, run: Run, batch_size: int = BATCH_SIZE) -> int:
    """KGAT runs: store ``attention.npz`` as ``att_v<n>`` = [head->tail, tail->head] on the KG
    relationships touching items, and name the property on the model node (explanations read it)."""
    attention = load_attention(run.directory / "attention.npz")
    if not attention:
        return 0
    prop, keys, written = attention_property(model.version), run.graph.keys, 0
    record = graph.run("load/dataset", name=model.dataset)[0]["dataset"] or {}
    known_types = set(record.get("relation_types") or ())    # the dataset's whitelist, not the run file's
    for (src, rel, dst), weights in sorted(attention.items()):
        pairs = run.graph.kg[(src, rel, dst)]
        text = splice("serve/write_attention", head=(src, LABELS), tail=(dst, LABELS), rel=(rel, known_types))
        rows = ({"h": str(keys[src][h]), "t": str(keys[dst][t]), "a": a}
                for (h, t), a in zip(pairs.tolist(), weights.tolist(), strict=True))
        for batch in graph.write_batches(text, rows, batch_size, property=prop):
            written += batch.records[0]["written"]
    graph.run("serve/set_attention", version=model.version, attention=prop)
    return written


def store_phrases(graph: Graph, dataset: str) -> int:
    """Mirror the phrases of the dataset's relation names into (:KgrecPhrase) nodes (Browser queries)."""
    names = [r["relation"] for r in graph.run("serve/relation_names", dataset=dataset)]
    return graph.run("serve/merge_phrases", rows=phrase_rows(names))[0]["written"] if names else 0


def _store_text_map(graph: Graph, model: ModelVersion, run: Run) -> None:
    """Fit and store the cold-start map text vector -> item embedding (when items have text_vec)."""
    fitted = coldstart.fit_text_map_from_graph(graph, model.dataset, run)
    if fitted is not None:
        graph.run("serve/set_text_map", version=model.version, text_map=fitted.ravel().tolist(),
                  text_dim=int(fitted.shape[0] - 1))


def remove_version(graph: Graph, model: ModelVersion) -> None:
    """Drop a version's index, remove its vectors from every node, delete its model node."""
    graph.query(splice("admin/drop_index", name=(model.index, {model.index})))
    graph.run("serve/remove_attention", property=attention_property(model.version))
    for label in sorted(LABELS):
        graph.query(splice("serve/remove_vectors", label=(label, LABELS)), property=model.property)
    graph.run("serve/delete_model", version=model.version)


def drop_version(graph: Graph, version: str, force: bool = False) -> ModelVersion:
    model = get_model(graph, version=version)
    if model.active and not force:
        raise KgrecError(f"model version {version} is active", hint="activate another version first, "
                         "or pass --force to drop it anyway (recommendations stop until one is activated)")
    remove_version(graph, model)
    return model
