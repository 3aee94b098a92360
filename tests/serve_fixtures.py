"""A tiny clustered world for serving tests and benchmarks: real nodes in Neo4j + a fake run dir.

Items and users belong to clusters; embeddings are cluster centre + noise, each user consumed
items of their own cluster, items are linked to genre and director entities, and item text
vectors are a noisy linear image of the item embeddings (so the cold-start map can learn).
The run directory mirrors a training run: graph/ (GraphData.save) + embeddings.npz.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kgrec.cypher import splice, statement
from kgrec.data import GraphData
from kgrec.db import Graph

GENRES = ("Action", "Comedy", "Drama", "Horror", "Romance", "SciFi")
RELATIONS = {"FILM_GENRE": "film.film.genre", "DIRECTED_BY": "film.film.directed_by"}


@dataclass
class World:
    dataset: str
    user_keys: list[str]
    item_keys: list[str]
    entity_keys: list[str]
    users: np.ndarray
    items: np.ndarray
    entities: np.ndarray
    seen: dict[str, set[str]]
    genres: dict[str, list[str]]
    years: dict[str, int]
    item_entities: dict[str, list[str]] = field(default_factory=dict)
    friends: list[tuple[str, str]] = field(default_factory=list)
    text_vecs: np.ndarray | None = None


def make_world(users: int = 40, items: int = 120, dim: int = 16, clusters: int = 4, per_user: int = 8,
               dataset: str = "tiny", seed: int = 0, text_dim: int = 24, directors: int = 10) -> World:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    item_cluster = rng.integers(0, clusters, items)
    user_cluster = rng.integers(0, clusters, users)
    item_vecs = (centres[item_cluster] + 0.6 * rng.normal(size=(items, dim))).astype(np.float32)
    item_vecs *= rng.uniform(0.5, 1.5, size=(items, 1)).astype(np.float32)  # varied norms: MIPS matters
    user_vecs = (centres[user_cluster] + 0.6 * rng.normal(size=(users, dim))).astype(np.float32)
    user_keys = [f"{dataset}:{n + 1}" for n in range(users)]
    item_keys = [f"{dataset}:i{n + 1}" for n in range(items)]
    genre_keys = [f"{dataset}:g:{g}" for g in GENRES]
    director_keys = [f"{dataset}:d{n}" for n in range(directors)]
    entity_keys = genre_keys + director_keys
    item_genres = {k: [GENRES[(c + j) % len(GENRES)] for j in range(1 + n % 2)]
                   for n, (k, c) in enumerate(zip(item_keys, item_cluster, strict=True))}
    item_director = {k: director_keys[(c * 3 + n) % directors]
                     for n, (k, c) in enumerate(zip(item_keys, item_cluster, strict=True))}
    item_entities = {k: [f"{dataset}:g:{g}" for g in item_genres[k]] + [item_director[k]] for k in item_keys}
    entity_vecs = np.zeros((len(entity_keys), dim), np.float32)
    for e, key in enumerate(entity_keys):
        members = [n for n, k in enumerate(item_keys) if key in item_entities[k]]
        if members:
            entity_vecs[e] = item_vecs[members].mean(axis=0)
    seen = {}
    for u, key in enumerate(user_keys):
        own = np.flatnonzero(item_cluster == user_cluster[u])
        seen[key] = {item_keys[i] for i in rng.choice(own, size=min(per_user, len(own)), replace=False)}
    friends = [(user_keys[n], user_keys[(n + 1) % users]) for n in range(0, users, 2)]
    mixing = rng.normal(size=(dim, text_dim))
    text_vecs = (item_vecs @ mixing + 0.1 * rng.normal(size=(items, text_dim))).astype(np.float32)
    return World(dataset, user_keys, item_keys, entity_keys, user_vecs, item_vecs, entity_vecs, seen,
                 item_genres, {k: 1980 + (n % 30) for n, k in enumerate(item_keys)}, item_entities,
                 friends, text_vecs)


def load_world(graph: Graph, world: World, with_text: bool = True, skip_items: Iterable[str] = ()) -> None:
    """Create the world's nodes and relationships (items in ``skip_items`` are left out)."""
    skip = set(skip_items)
    ds = world.dataset
    _write(graph, "serve/fixture_users", [{"key": k, "id": k.split(":", 1)[1]} for k in world.user_keys], ds)
    items = [{"key": k, "id": k.split(":", 1)[1], "title": f"Film {k.split(':', 1)[1]}",
              "year": world.years[k], "genres": world.genres[k],
              "text": f"A {' '.join(world.genres[k]).lower()} film number {n}",
              "text_vec": world.text_vecs[n].tolist() if with_text else None}
             for n, k in enumerate(world.item_keys) if k not in skip]
    _write(graph, "serve/fixture_items", items, ds)
    _write(graph, "serve/fixture_entities",
           [{"key": k, "id": k.split(":", 1)[1], "name": k.rsplit(":", 1)[1]} for k in world.entity_keys], ds)
    _write(graph, "serve/fixture_interactions",
           [{"user": u, "item": i, "rating": 4.0} for u, items_ in world.seen.items() for i in sorted(items_)
            if i not in skip], ds)
    for rel, relation in RELATIONS.items():
        prefix = ":g:" if rel == "FILM_GENRE" else ":d"
        rows = [{"head": k, "tail": e} for k, es in world.item_entities.items() for e in es
                if prefix in e and k not in skip]
        text = splice("serve/fixture_kg", rel=(rel, set(RELATIONS)))
        for _ in graph.write_batches(text, rows, 5000, relation=relation, dataset=ds):   # batches: 500k items fit
            pass                                                                          # the default heap
    _write(graph, "serve/fixture_friends", [{"a": a, "b": b} for a, b in world.friends], ds)


def _write(graph: Graph, name: str, rows: list[dict], dataset: str) -> None:
    for _ in graph.write_batches(statement(name), rows, 5000, dataset=dataset):
        pass


def make_run(directory: Path, world: World, run_id: str = "run-a", scale: float = 1.0,
             extra_item_keys: list[str] | None = None, drop_items: Iterable[str] = ()) -> Path:
    """A run directory with the world's embeddings (x ``scale``); ``extra_item_keys`` adds items
    the graph does not have (to make write-back fail), ``drop_items`` leaves items out of training."""
    drop = set(drop_items)
    keep = [n for n, k in enumerate(world.item_keys) if k not in drop]
    item_keys = [world.item_keys[n] for n in keep] + list(extra_item_keys or [])
    items = world.items[keep]
    if extra_item_keys:
        items = np.vstack([items, np.ones((len(extra_item_keys), items.shape[1]), np.float32)])
    run_dir = directory / run_id
    keys = {"User": np.array(world.user_keys), "Item": np.array(item_keys),
            "Entity": np.array(world.entity_keys)}
    empty = np.zeros(0)
    GraphData(world.dataset, keys, np.zeros((0, 2), np.int64), empty.astype(np.float32),
              empty.astype(np.int64), empty.astype(np.int8)).save(run_dir / "graph")
    np.savez(run_dir / "embeddings.npz", User=world.users * scale, Item=items * scale,
             Entity=world.entities * scale)
    (run_dir / "config.json").write_text(json.dumps({"model": "fixture"}))
    return run_dir


def numpy_top_k(world: World, user_key: str, k: int, scale: float = 1.0,
                allowed: set[str] | None = None) -> list[str]:
    """Brute-force dot-product top-k over unseen (and allowed) items."""
    u = world.user_keys.index(user_key)
    scores = (world.items * scale) @ (world.users[u] * scale)
    order = np.argsort(-scores, kind="stable")
    out = [world.item_keys[i] for i in order
           if world.item_keys[i] not in world.seen[user_key]
           and (allowed is None or world.item_keys[i] in allowed)]
    return out[:k]


def vectors(graph: Graph, label: str, dataset: str = "tiny", prop: str = "emb_v1") -> list[dict]:
    """Stored vectors of ``label`` nodes for version property ``prop``."""
    return graph.query(splice("serve/read_vectors", label=(label, {label})), dataset=dataset, property=prop)
