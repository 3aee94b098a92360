"""Do explanations name the items the recommendation actually rests on? (fold-in fidelity)

For sampled users and each of their top-``k`` recommendations with an explanation: fold the user in
(implicit ALS against the version's fixed item vectors, as ``kgrec ingest-events`` does) from the full
history, then again without the explaining item, and record the drop of the recommended item's score;
likewise without one random other liked item. Fidelity = mean explaining drop / mean random drop
(> 1: removing the explaining item hurts the recommendation more than removing a random liked item).
``oracle`` is the largest drop any single liked item gives, ``rank`` the explaining item's place among
all liked items by drop (0 = the item whose removal hurts most).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from kgrec.db import Graph
from kgrec.serve import recommend
from kgrec.serve.coldstart import fold_in
from kgrec.serve.versions import ModelVersion, read_item_vectors


@dataclass
class Pair:
    user: str
    item: str
    kind: str
    via: str
    score: float
    explained_drop: float
    random_drop: float
    oracle_drop: float
    rank: float  # explaining item's drop rank among the user's liked items, 0 = largest, 1 = smallest


@dataclass
class Fidelity:
    version: str
    users: int
    pairs: list[Pair] = field(default_factory=list)
    ranking: set[str] = field(default_factory=set)  # evidence the explanations were ranked by

    def summary(self, kind: str | None = None) -> dict[str, Any]:
        chosen = [p for p in self.pairs if kind is None or p.kind == kind]
        if not chosen:
            return {"kind": kind or "all", "pairs": 0}
        explained = np.array([p.explained_drop for p in chosen])
        random = np.array([p.random_drop for p in chosen])
        oracle = np.array([p.oracle_drop for p in chosen])
        return {"kind": kind or "all", "pairs": len(chosen),
                "mean_explained_drop": float(explained.mean()), "mean_random_drop": float(random.mean()),
                "mean_oracle_drop": float(oracle.mean()),
                "ratio": float(explained.mean() / random.mean()) if random.mean() > 0 else float("nan"),
                "share_beating_random": float((explained > random).mean()),
                "mean_rank": float(np.mean([p.rank for p in chosen]))}

    def to_dict(self) -> dict[str, Any]:
        kinds = sorted({p.kind for p in self.pairs})
        return {"version": self.version, "users": self.users, "ranking": sorted(self.ranking),
                "summary": [self.summary()] + [self.summary(k) for k in kinds],
                "pairs": [asdict(p) for p in self.pairs]}


def sample_users(graph: Graph, model: ModelVersion, n: int, seed: int) -> list[str]:
    keys = [r["key"] for r in graph.run("recommend/fidelity_users", dataset=model.dataset,
                                        property=model.property)]
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(keys, size=min(n, len(keys)), replace=False).tolist())


def measure(graph: Graph, model: ModelVersion, users: list[str], k: int = 5, seed: int = 0,
            statement: str = "recommend/explain") -> Fidelity:
    """Fidelity of the first explanation of each of ``users``' top-``k`` recommendations
    (``statement``: the explain query, e.g. the degree-ranked baseline ``bench/explain_by_degree``)."""
    index, items = read_item_vectors(graph, model)
    histories = {r["key"]: r for r in graph.run("serve/user_items", keys=users)}
    rng = np.random.default_rng(seed)
    result = Fidelity(model.version, len(users))
    for user in users:
        liked = [(index[i], w) for i, w in zip(histories[user]["items"], histories[user]["weights"], strict=True)
                 if i in index]
        if len(liked) < 2:
            continue
        recs = recommend.recommend(graph, model.dataset, user, k, version=model.version)
        paths = recommend.explain(graph, model.dataset, user, [r["key"] for r in recs], version=model.version,
                                  statement=statement)
        for rec in recs:
            if paths.get(rec["key"]):
                pair = _pair(items, liked, user, rec["key"], index[rec["key"]], paths[rec["key"]][0], index, rng)
                if pair is not None:
                    result.pairs.append(pair)
                    result.ranking.add(paths[rec["key"]][0]["measure"])
    return result


def _pair(items: np.ndarray, liked: list[tuple[int, float]], user: str, rec_key: str, rec: int,
          path: dict[str, Any], index: dict[str, int], rng: np.random.Generator) -> Pair | None:
    via = index.get(path["via_key"])
    idx = np.array([i for i, _ in liked])
    weights = np.array([w if w is not None else 1.0 for _, w in liked], np.float64)
    if via is None or via not in idx:
        return None
    score, drops = _drops(items, idx, weights, rec)
    position = int(np.flatnonzero(idx == via)[0])
    others = [n for n in range(len(idx)) if n != position]
    random = int(rng.choice(others))
    rank = float((drops > drops[position]).sum() / max(len(idx) - 1, 1))
    return Pair(user, rec_key, path["kind"], path["via_key"], score, float(drops[position]), float(drops[random]),
                float(drops.max()), rank)


def _drops(items: np.ndarray, idx: np.ndarray, weights: np.ndarray, rec: int) -> tuple[float, np.ndarray]:
    """``rec``'s score folded in from the whole history, and its drop without each liked item."""
    full = fold_in(items, [idx], [weights])[0]
    without = fold_in(items, [np.delete(idx, n) for n in range(len(idx))],
                      [np.delete(weights, n) for n in range(len(idx))])
    target = items[rec].astype(np.float64)
    score = float(full @ target)
    return score, score - without.astype(np.float64) @ target
