"""Recommendations straight from Cypher: vector-index top-K with graph filters, exact fallback,
similar items and metapath explanations (``cypher/recommend/*``)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from kgrec import keys, numbers
from kgrec.db import Graph
from kgrec.errors import InputError, KgrecError, NotFoundError
from kgrec.serve.phrases import display_name, is_raw_id, phrase

MIN_FETCH = 100
FETCH_FACTOR = 10
WIDEN_FACTOR = 8
MAX_FETCH = 10_000    # a filter set needing more candidates than this is served by the exact scan
PASS_HEADROOM = 2.0   # fetch 2 × k / (measured pass rate): the rate varies from user to user
FILTER_NAMES = ("genre", "entity", "min-year", "max-year", "not-by-friends")


@dataclass(frozen=True)
class Filters:
    genre: str | None = None
    entity: str | None = None
    min_year: int | None = None
    max_year: int | None = None
    exclude_friends: bool = False

    def params(self) -> dict[str, Any]:
        return asdict(self)


def parse_filters(specs: list[str], dataset: str) -> Filters:
    """``genre=Comedy``, ``entity=<key or id>``, ``min-year=1995``, ``max-year=2000``, ``not-by-friends``."""
    values: dict[str, Any] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip().lower()
        if name not in FILTER_NAMES:
            raise KgrecError(f"--filter {spec!r}: unknown filter {name!r}",
                             hint=f"use one of: {', '.join(FILTER_NAMES)}")
        if name == "not-by-friends":
            if sep and value.strip().lower() not in ("", "true", "1", "yes"):
                raise KgrecError(f"--filter {spec!r}: not-by-friends takes no value")
            values["exclude_friends"] = True
            continue
        if not sep or not value.strip():
            raise KgrecError(f"--filter {spec!r}: expected {name}=VALUE")
        value = value.strip()
        if name in ("min-year", "max-year"):
            try:
                values[name.replace("-", "_")] = numbers.parse_year(value, path="--filter", column=None)
            except InputError:
                raise KgrecError(f"--filter {spec!r}: {name} must be an integer year (1..9999)") from None
        elif name == "entity":
            values["entity"] = keys.qualify(dataset, value)
        else:
            values[name] = value
    return Filters(**values)


def user_key(dataset: str, user: str) -> str:
    """The key of a user (or item) given by id or key."""
    return keys.qualify(dataset, user)


def recommend(graph: Graph, dataset: str, user_key: str, k: int = 10, filters: Filters = Filters(),
              version: str | None = None, item_count: int | None = None) -> list[dict[str, Any]]:
    """Top-``k`` unseen items for a user: the vector index over-fetching as many candidates as the filters'
    measured pass rate needs (widening if that was not enough), or an exact scan when the filters are so
    selective that the index would need more than ``MAX_FETCH`` candidates (or the whole catalogue)."""
    if not 1 <= k <= 1000:
        raise KgrecError(f"-k {k}: must be between 1 and 1000")
    params = {"dataset": dataset, "user_key": user_key, "k": k, "version": version, **filters.params()}
    rates, key = graph.serving_stats, ("pass rate", dataset, version, filters)
    fetch, first = planned_fetch(k, rates.get(key)), True
    while fetch < MAX_FETCH and (item_count is None or fetch < item_count):
        rows = graph.read("recommend/top_k", fetch=fetch, **params)
        if not rows and first:
            _check_user(graph, dataset, user_key, version)     # unknown user / no vector: a clear error
        rates[key] = measured_rate(rates.get(key), (rows[0]["passed"] if rows else 0) / fetch)
        if len(rows) >= k:
            return [without_passed(r) for r in rows]
        fetch, first = fetch * WIDEN_FACTOR, False
    return graph.read("recommend/top_k_exact", **params)


def planned_fetch(k: int, rate: float | None) -> int:
    """Index candidates to ask for: ``FETCH_FACTOR`` × k (at least ``MIN_FETCH``, which also keeps the HNSW
    search wide enough for recall), or more when the filters are known to pass only a share ``rate``."""
    base = max(MIN_FETCH, FETCH_FACTOR * k)
    if rate is None:
        return base
    return max(base, math.ceil(PASS_HEADROOM * k / max(rate, 1e-9)))


def measured_rate(previous: float | None, observed: float) -> float:
    """Running estimate of the share of index candidates passing a filter set (half old, half new)."""
    return observed if previous is None else 0.5 * previous + 0.5 * observed


def without_passed(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name != "passed"}


def similar_items(graph: Graph, dataset: str, item_key: str, k: int = 10, filters: Filters = Filters(),
                  version: str | None = None) -> list[dict[str, Any]]:
    params = filters.params()
    params.pop("entity"), params.pop("exclude_friends")
    rows = graph.read("recommend/similar_items", dataset=dataset, item_key=item_key, k=k,
                      fetch=max(MIN_FETCH, FETCH_FACTOR * k), version=version, **params)
    if not rows:
        _check_item(graph, dataset, item_key, version)
    return rows


def explain(graph: Graph, dataset: str, user_key: str, item_keys: list[str], per_kind: int = 1,
            version: str | None = None, statement: str = "recommend/explain") -> dict[str, list[dict[str, Any]]]:
    """item key -> best U-I-I, U-I-E-I and U-I-U-I path instances (``per_kind`` of each), each ranked
    by the model's evidence (KG attention when written back, else the liked item's similarity).
    ``statement``: another explain query with the same parameters (benchmark baselines)."""
    rows = graph.read(statement, dataset=dataset, user_key=user_key, items=item_keys,
                      per_kind=per_kind, version=version)
    return {r["key"]: r["paths"] for r in rows}


def describe(path: dict[str, Any], item_title: str | None = None) -> str:
    """One sentence for a path instance; never a raw relation name or Freebase id."""
    via = display_name(path.get("via_title")) or "an item you liked"
    if path["kind"] == "U-I-I":
        subject = display_name(item_title) or "it"
        text = f"{subject} {phrase(path['relation'], True, path['head'])} {via}, which you liked"
        return text[0].upper() + text[1:]
    if path["kind"] == "U-I-E-I":
        entity = display_name(path.get("entity_name"))
        text = f"because you liked {via}, which {phrase(path['relation'], False, path['head'])} it"
        return f"{text} ({entity})" if entity else text
    people = path["support"]
    return f"{people} {'person' if people == 1 else 'people'} who liked {via} also liked it"


def public_path(path: dict[str, Any]) -> dict[str, Any]:
    """What JSON output shows of a path: titles and phrases, no relation names, no entity keys."""
    out: dict[str, Any] = {"kind": path["kind"], "via": display_name(path.get("via_title")),
                           "via_key": None if is_raw_id(path.get("via_key")) else path.get("via_key")}
    if path["kind"] != "U-I-U-I":
        out["link"] = phrase(path["relation"], path["kind"] == "U-I-I", path["head"])
    if path["kind"] == "U-I-E-I":
        out["entity"] = display_name(path.get("entity_name"))
    if path["kind"] == "U-I-U-I":
        out["people"] = path["support"]
    out["evidence"] = round(float(path["evidence"]), 6)
    out["measure"] = path["measure"]
    return out


def _check_user(graph: Graph, dataset: str, key: str, version: str | None) -> None:
    row = graph.read("recommend/node_status", label="User", key=key, dataset=dataset, version=version)[0]
    _raise_for(row, "user", key)


def _check_item(graph: Graph, dataset: str, key: str, version: str | None) -> None:
    row = graph.read("recommend/node_status", label="Item", key=key, dataset=dataset, version=version)[0]
    _raise_for(row, "item", key)


def _raise_for(row: dict[str, Any], what: str, key: str) -> None:
    if row["model"] is None:
        raise NotFoundError("no matching model version", hint="run `kgrec write-back` or check --model")
    if not row["exists"]:
        raise NotFoundError(f"{what} {key!r} is not in the graph")
    if not row["has_vector"]:
        raise NotFoundError(f"{what} {key!r} has no embedding in model version {row['model']}",
                         hint="run `kgrec cold-start` to embed new users and items")
