"""KG-LightGCN: LightGCN whose item inputs carry the item's knowledge-graph neighbourhood.

An item's input vector is its own embedding (plus projected text) plus a relation-weighted mean
of its KG neighbours' embeddings::

    x_i = e_i + Σ_r softmax(α)_r · mean_{n ∈ N_r(i)} e_n

where ``N_r(i)`` are the entities (or other items, e.g. sequels) the item is joined to by relation
``r`` in either direction and ``α`` is one learned weight per relation. Entities shared by several
items tie those items together, so their interactions inform each other (a director's films, a
sequel); entities that link fewer than ``kg_min_items`` items carry no such information and are
left out (they would only add a free per-item vector). The user–item propagation is LightGCN's.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from kgrec.data import GraphData
from kgrec.models.base import NodeInput, node_input
from kgrec.models.lightgcn import LightGCN


def item_kg_neighbours(data: GraphData, min_items: int, max_items: int = 0) -> dict[str, np.ndarray]:
    """relation -> (k, 2) int64 rows (item, neighbour) in the joint index [items; entities], both
    directions of item–item edges, entities linking at least ``min_items`` distinct items (and at most
    ``max_items`` when > 0: hubs such as a language or a country say little about one film)."""
    n_items = data.num_items
    pairs: dict[str, list[np.ndarray]] = {}
    for (head, rel, tail), edges in data.kg.items():
        if not len(edges):
            continue
        if head == "Item" and tail == "Item":
            rows = np.concatenate([edges, edges[:, ::-1]])
        elif head == "Item" and tail == "Entity":
            rows = np.stack([edges[:, 0], edges[:, 1] + n_items], 1)
        elif head == "Entity" and tail == "Item":
            rows = np.stack([edges[:, 1], edges[:, 0] + n_items], 1)
        else:
            continue
        pairs.setdefault(rel, []).append(rows.astype(np.int64))
    joined = {rel: np.unique(np.concatenate(rows), axis=0) for rel, rows in pairs.items()}
    if (min_items <= 1 and max_items <= 0) or not joined:
        return joined
    everything = np.concatenate(list(joined.values()))
    entity_rows = everything[everything[:, 1] >= n_items]
    unique_links = np.unique(entity_rows, axis=0)
    items_per_node = np.bincount(unique_links[:, 1], minlength=n_items + data.num_nodes("Entity"))
    items_per_node[:n_items] = max(min_items, 1)   # item neighbours always count
    upper = max_items if max_items > 0 else np.iinfo(np.int64).max
    out = {rel: rows[(items_per_node[rows[:, 1]] >= min_items) & (items_per_node[rows[:, 1]] <= upper)]
           for rel, rows in joined.items()}
    return {rel: rows for rel, rows in out.items() if len(rows)}


class KGItemInput(nn.Module):
    """Item inputs = own input + relation-weighted mean of KG neighbour embeddings.

    One gather and one scatter-add over every (item, neighbour, relation) edge: O(edges · d) forward
    and backward, however many relations there are (a sparse matrix with trainable values would
    materialise a dense items × nodes gradient)."""

    def __init__(self, items: NodeInput, entities: NodeInput | None, neighbours: dict[str, np.ndarray],
                 n_items: int) -> None:
        super().__init__()
        self.items, self.entities, self.n_items = items, entities, n_items
        self.relations = sorted(neighbours)
        self.alpha = nn.Parameter(torch.zeros(max(len(self.relations), 1)))
        self.n_joint = n_items + (entities.embedding.num_embeddings if entities is not None else 0)
        rows = [neighbours[rel] for rel in self.relations]
        pairs = np.concatenate(rows) if rows else np.zeros((0, 2), np.int64)
        relation = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)]) if rows else np.zeros(0)
        mean = np.concatenate([1.0 / np.bincount(r[:, 0], minlength=n_items)[r[:, 0]] for r in rows]) \
            if rows else np.zeros(0)
        self.register_buffer("indices", torch.from_numpy(pairs.T.astype(np.int64).copy()))
        self.register_buffer("relation", torch.from_numpy(relation.astype(np.int64)))
        self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))

    def forward(self) -> torch.Tensor:
        own = self.items()
        if not self.relations:
            return own
        joint = own if self.entities is None else torch.cat([own, self.entities()])
        weights = (self.mean * torch.softmax(self.alpha, 0)[self.relation])[:, None]
        messages = joint[self.indices[1]] * weights
        return own.index_add(0, self.indices[0], messages)

    def relation_weights(self) -> dict[str, float]:
        return dict(zip(self.relations, torch.softmax(self.alpha, 0).tolist(), strict=False))


class KGLightGCN(LightGCN):
    def __init__(self, data, train_idx, config, text=None) -> None:
        super().__init__(data, train_idx, config, text)
        neighbours = item_kg_neighbours(data, config.kg_min_items, config.kg_max_items) if config.use_kg else {}
        entities = node_input(data, "Entity", config, text) if data.num_nodes("Entity") else None
        self.items = KGItemInput(self.items, entities, neighbours, data.num_items)
