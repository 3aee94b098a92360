"""Build a kgrec ``GraphData`` straight from RecBole atomic files (no Neo4j).

The harness prefers the graph exported from Neo4j (``kgrec.export``); this reader exists so the
RecBole side and the split can be prepared even when the export is not in the build, and it mirrors
the graph model: a KG entity linked to an item *is* that item, other entities are ``Entity`` nodes,
relation types are the relation names in upper snake case.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from kgrec.data import GraphData


def relation_type(name: str) -> str:
    """``film.film.genre`` -> ``FILM_FILM_GENRE`` (same rule as docs/GRAPH_MODEL.md)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = [h.split(":", 1)[0] for h in next(reader)]
        return header, [row for row in reader if row]


def read_atomic(directory: Path, dataset: str = "ml-100k") -> GraphData:
    """GraphData for ``<directory>/<dataset>.{inter,item,kg,link}``."""
    header, inter = _rows(directory / f"{dataset}.inter")
    col = {name: i for i, name in enumerate(header)}
    _, items = _rows(directory / f"{dataset}.item") if (directory / f"{dataset}.item").exists() else ([], [])
    user_ids = sorted({r[col["user_id"]] for r in inter}, key=_natural)
    item_ids = sorted({r[0] for r in items} | {r[col["item_id"]] for r in inter}, key=_natural)
    user_index = {u: i for i, u in enumerate(user_ids)}
    item_index = {v: i for i, v in enumerate(item_ids)}
    interactions = np.array([[user_index[r[col["user_id"]]], item_index[r[col["item_id"]]]] for r in inter],
                            dtype=np.int64)
    weights = np.array([float(r[col["rating"]]) if "rating" in col else 1.0 for r in inter], np.float32)
    stamps = np.array([int(float(r[col["timestamp"]])) if "timestamp" in col else 0 for r in inter], np.int64)
    kg, names, entity_ids = _read_kg(directory, dataset, item_index)
    keys = {"User": np.array([f"{dataset}:{u}" for u in user_ids]),
            "Item": np.array([f"{dataset}:{v}" for v in item_ids]),
            "Entity": np.array([f"{dataset}:{e}" for e in entity_ids])}
    texts = {"Item": _item_texts(items, item_ids)} if items else {}
    return GraphData(dataset, keys, interactions, weights, stamps, np.full(len(inter), -1, np.int8),
                     kg, names, texts=texts)


def _item_texts(items: list[list[str]], item_ids: list[str]) -> np.ndarray:
    """Title + year + genres, the text kgrec's ml-100k loader gives items (None when absent)."""
    by_id = {row[0]: " ".join(part for part in row[1:] if part) for row in items}
    return np.array([by_id.get(item) or None for item in item_ids], dtype=object)


def _read_kg(directory: Path, dataset: str, item_index: dict[str, int]):
    link_path, kg_path = directory / f"{dataset}.link", directory / f"{dataset}.kg"
    if not (link_path.exists() and kg_path.exists()):
        return {}, {}, []
    _, links = _rows(link_path)
    entity_item = {e: item_index[i] for i, e in links if i in item_index}
    _, triples = _rows(kg_path)
    entity_ids = sorted({x for h, _, t in triples for x in (h, t)} - set(entity_item))
    entity_index = {e: i for i, e in enumerate(entity_ids)}
    edges: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    names: dict[str, str] = {}
    for head, rel, tail in triples:
        rtype = relation_type(rel)
        names[rtype] = rel
        (hl, hi), (tl, ti) = _node(head, entity_item, entity_index), _node(tail, entity_item, entity_index)
        edges.setdefault((hl, rtype, tl), []).append((hi, ti))
    kg = {etype: np.array(pairs, dtype=np.int64) for etype, pairs in edges.items()}
    return kg, names, entity_ids


def _node(entity: str, entity_item: dict[str, int], entity_index: dict[str, int]) -> tuple[str, int]:
    if entity in entity_item:
        return "Item", entity_item[entity]
    return "Entity", entity_index[entity]


def _natural(token: str) -> tuple[int, int | str]:
    return (0, int(token)) if token.isdigit() else (1, token)
