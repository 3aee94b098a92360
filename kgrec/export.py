"""Neo4j -> :class:`~kgrec.data.GraphData`: stream one dataset out in key-ordered batches.

Each statement returns a whole batch as parallel lists (``collect()``), turned straight into
numpy arrays — no driver record or Python object per row beyond the list elements. Node index
``i`` of a label is the ``i``-th key in key order; ``GraphData.keys`` persists that map, so
write-back can go from index to ``key``. Edge endpoints are mapped with a vectorised
``searchsorted`` over the sorted keys.
"""

from __future__ import annotations

import numpy as np

from kgrec.cypher import splice, statement
from kgrec.data import LABELS, SPLIT_CODES, GraphData
from kgrec.db import Graph, refuse_incomplete
from kgrec.errors import KgrecError
from kgrec.keys import prefix as key_prefix

KG_LABELS = ("Item", "Entity")


def export_graph(graph: Graph, dataset: str, batch_size: int = 20000) -> GraphData:
    """Everything training needs from ``dataset``: node keys + texts, events, social edges, KG triples."""
    record = graph.run("load/dataset", name=dataset)[0]["dataset"]
    if record is None:
        raise KgrecError(f"dataset {dataset!r} is not loaded", hint="run `kgrec load …` first")
    refuse_incomplete(record, "train on")
    prefix = key_prefix(dataset)
    keys, texts = {}, {}
    for label in LABELS:
        keys[label], texts[label] = _nodes(graph, label, prefix, batch_size)
    index = {label: KeyIndex(label, keys[label]) for label in LABELS}
    users_per_batch = max(1, batch_size * max(len(keys["User"]), 1) // max(record.get("count_events") or 1, 1))
    interactions, weights, timestamps, splits = _events(graph, prefix, users_per_batch, index)
    social = _friends(graph, prefix, users_per_batch, index)
    relation_names = dict(zip(record.get("relation_types", []), record.get("relation_names", []), strict=True))
    kg = _triples(graph, dataset, prefix, batch_size, index, set(relation_names))
    return GraphData(dataset, keys, interactions, weights, timestamps, splits, kg, relation_names, social, texts)


class KeyIndex:
    """Vectorised key -> index for one label (keys are in Neo4j key order)."""

    def __init__(self, label: str, keys: np.ndarray) -> None:
        self.label = label
        self.order = np.argsort(keys, kind="stable")
        self.sorted = keys[self.order]

    def __call__(self, keys: list[str]) -> np.ndarray:
        query = np.asarray(keys, dtype=self.sorted.dtype if len(self.sorted) else str)
        if not len(query):
            return np.zeros(0, np.int64)
        pos = np.searchsorted(self.sorted, query)
        pos = np.minimum(pos, max(len(self.sorted) - 1, 0))
        if not len(self.sorted) or not np.array_equal(self.sorted[pos], query):
            raise KgrecError(f"export: an edge points at a {self.label} outside the exported set")
        return self.order[pos].astype(np.int64)


def _nodes(graph: Graph, label: str, prefix: str, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    text = splice("export/nodes", label=(label, set(LABELS)))
    key_parts, text_parts = [], []
    for page in graph.pages(text, prefix, batch_size):
        key_parts.append(np.asarray(page["keys"], dtype=object))
        text_parts.append(np.asarray(page["texts"], dtype=object))
    keys = np.concatenate(key_parts).astype(str) if key_parts else np.zeros(0, dtype=str)
    texts = np.concatenate(text_parts) if text_parts else np.zeros(0, dtype=object)
    texts[texts == ""] = None
    return keys, texts


def _events(graph: Graph, prefix: str, users_per_batch: int, index: dict[str, KeyIndex]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cols: dict[str, list[np.ndarray]] = {"u": [], "i": [], "w": [], "t": [], "s": []}
    for page in graph.pages(statement("export/events"), prefix, users_per_batch):
        cols["u"].append(index["User"](page["user_keys"]))
        cols["i"].append(index["Item"](page["item_keys"]))
        cols["w"].append(np.asarray(page["weights"], dtype=np.float32))
        cols["t"].append(np.asarray(page["ts"], dtype=np.int64))
        cols["s"].append(_split_codes(np.asarray(page["splits"], dtype=str)))
    if not cols["u"]:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64), np.zeros(0, np.int8)
    u, i, w, t, s = (np.concatenate(cols[c]) for c in "uiwts")
    order = np.lexsort((i, t, u))  # deterministic: by user, then time, then item
    return np.stack([u, i], axis=1)[order], w[order], t[order], s[order]


def _split_codes(splits: np.ndarray) -> np.ndarray:
    codes = np.full(len(splits), -1, dtype=np.int8)
    for name, code in SPLIT_CODES.items():
        codes[splits == name] = code
    return codes


def _friends(graph: Graph, prefix: str, users_per_batch: int, index: dict[str, KeyIndex]) -> np.ndarray:
    parts = [np.stack([index["User"](p["user_keys"]), index["User"](p["friend_keys"])], axis=1)
             for p in graph.pages(statement("export/friends"), prefix, users_per_batch) if p["user_keys"]]
    return _sorted_pairs(np.concatenate(parts) if parts else np.zeros((0, 2), np.int64))


def _triples(graph: Graph, dataset: str, prefix: str, batch_size: int, index: dict[str, KeyIndex],
             relation_types: set[str]) -> dict[tuple[str, str, str], np.ndarray]:
    kg: dict[tuple[str, str, str], np.ndarray] = {}
    for head in KG_LABELS:
        for tail in KG_LABELS:
            text = splice("export/triples", head=(head, set(KG_LABELS)), tail=(tail, set(KG_LABELS)))
            heads, tails, types = [], [], []
            for page in graph.pages(text, prefix, batch_size, dataset=dataset):
                if page["head_keys"]:
                    heads.append(index[head](page["head_keys"]))
                    tails.append(index[tail](page["tail_keys"]))
                    types.append(np.asarray(page["types"], dtype=object))
            if not heads:
                continue
            h, t, r = np.concatenate(heads), np.concatenate(tails), np.concatenate(types).astype(str)
            names, inverse = np.unique(r, return_inverse=True)
            for code, rel in enumerate(names.tolist()):
                if rel not in relation_types:
                    raise KgrecError(f"export: relationship type {rel} is not in the dataset's whitelist")
                mask = inverse == code
                kg[(head, rel, tail)] = _sorted_pairs(np.stack([h[mask], t[mask]], axis=1))
    return dict(sorted(kg.items()))


def _sorted_pairs(pairs: np.ndarray) -> np.ndarray:
    pairs = pairs.astype(np.int64).reshape(-1, 2)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
