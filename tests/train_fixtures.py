"""A tiny GraphData built in Python (data, not a database stand-in) for model and trainer tests."""

from __future__ import annotations

import numpy as np

from kgrec.data import GraphData


def tiny_graph(n_users: int = 12, n_items: int = 20, n_entities: int = 6, seed: int = 0,
               with_text: bool = True) -> GraphData:
    """Users in two taste groups over two item halves, items linked to genre entities."""
    rng = np.random.default_rng(seed)
    pairs = set()
    for u in range(n_users):
        half = u % 2
        pool = np.arange(half * n_items // 2, (half + 1) * n_items // 2)
        for i in rng.choice(pool, size=7, replace=False):
            pairs.add((u, int(i)))
        pairs.add((u, int(rng.integers(0, n_items))))
    inter = np.array(sorted(pairs), dtype=np.int64)
    genre = np.array([[i, i * n_entities // n_items] for i in range(n_items)], dtype=np.int64)
    texts = {"Item": np.array([f"movie {i} of genre {i * n_entities // n_items}" if i % 5 else None
                               for i in range(n_items)], dtype=object)} if with_text else {}
    return GraphData(
        "tiny",
        {"User": np.array([f"tiny:u{u}" for u in range(n_users)]),
         "Item": np.array([f"tiny:i{i}" for i in range(n_items)]),
         "Entity": np.array([f"tiny:e{e}" for e in range(n_entities)])},
        inter, np.ones(len(inter), np.float32), np.arange(len(inter), dtype=np.int64),
        np.full(len(inter), -1, np.int8),
        {("Item", "HAS_GENRE", "Entity"): genre,
         ("Item", "SEQUEL", "Item"): np.array([[0, 1], [2, 3]], dtype=np.int64)},
        {"HAS_GENRE": "has.genre", "SEQUEL": "sequel"},
        texts=texts)


def fake_text_features(data: GraphData, dim: int = 8) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Deterministic text vectors (stand-in for MiniLM output; the encoder is tested in test_text)."""
    out = {}
    for label, texts in data.texts.items():
        mask = np.array([t is not None for t in texts])
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), dim)).astype(np.float32) * mask[:, None]
        out[label] = (vectors, mask)
    return out
