"""KG quality: does a relation connect items that the same users consume?

For each KG relation type R (and for the KG as a whole) :func:`assess` reports how many items,
entities and triples R has, and compares pairs of *distinct items that share a node through R*
(``(i)-[:R]-(x)-[:R]-(j)``, ``x`` an Entity or an Item, plus direct ``(i)-[:R]-(j)`` edges) with
random item pairs:

* **lift** (popularity-corrected co-consumption) = O/E of shared pairs ÷ O/E of random pairs, where
  O/E = Σ |U_i ∩ U_j| / Σ |U_i|·|U_j| / N (co-consumers observed over expected if users picked items
  independently; N users). It is graded, so it does not saturate on dense data where almost every pair
  has some common user (that yes/no rate is kept as an informational column);
* **genre coherence** = mean Jaccard of the items' ``genres`` lists, shared against random pairs.

Shared pairs are taken *hub by hub*: a hub is a node joining ≥ 2 items (or one direct edge) and each hub
weighs the same, split over its pairs (all pairs when there are ≤ ``pairs`` of them, else ``pairs`` draws of
a uniform hub then a uniform pair), so a few hubs with thousands of items (country, language, genre) do not
make up the whole sample. Random pairs draw both items from the endpoints of the shared sample (as often
as they weigh there). The 95% intervals are percentile bootstraps resampling hubs and random pairs (seeded).
A relation whose lift interval is above 1 carries collaborative signal; :func:`select_relations` keeps
only those in ``auto`` mode.

Everything is numpy over arrays read in batches (:func:`read_kg_arrays`, ``cypher/kg/*``) or taken
from a :class:`~kgrec.data.GraphData` (:func:`arrays_from_graph_data`, used by training).
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from kgrec.cypher import splice, statement
from kgrec.data import GraphData
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.keys import prefix as keys_prefix

ALL = "(all)"
KG_LABELS = frozenset({"Item", "Entity"})
DEFAULT_PAIRS = 20_000
DEFAULT_RESAMPLES = 200
DEFAULT_SEED = 0
ENUMERATE_LIMIT = 3_000_000   # count distinct shared pairs exactly when hubs generate at most this many


@dataclass(frozen=True)
class Interval:
    """A point estimate with a bootstrap percentile interval."""

    value: float
    low: float
    high: float

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


@dataclass(frozen=True)
class RelationQuality:
    """Quality figures of one relation type (``relation`` = :data:`ALL` for the whole KG)."""

    relation: str
    name: str                         # original relation name ("" for the whole KG)
    items_linked: int                 # distinct items with at least one triple of the relation
    entities: int                     # distinct :Entity nodes with at least one triple of the relation
    triples: int
    shared_pairs: int                 # distinct item pairs sharing a node (exact, or estimated)
    shared_pairs_exact: bool
    hubs: int                         # nodes joining ≥ 2 items, plus direct item-item edges
    sampled_pairs: int                # (hub, pair) rows used: all of them, or the cap of draws
    co_shared: float | None           # informational: P(some user consumed both | shared), hub-weighted
    co_random: float | None           # the same for random pairs
    oe_shared: float | None           # observed / expected co-consumers, shared pairs
    oe_random: float | None           # the same, random pairs
    lift: Interval | None             # oe_shared / oe_random
    genre_pairs: int                  # sampled shared pairs whose two items both have genres
    genre_shared: float | None        # mean genre Jaccard of shared pairs (hub-weighted)
    genre_random: float | None
    genre_lift: Interval | None       # genre_shared / genre_random

    @property
    def signal(self) -> bool:
        """True when the whole lift interval lies above 1."""
        return self.lift is not None and self.lift.low > 1.0

    @property
    def verdict(self) -> str:
        if self.lift is None:
            return "no shared pairs" if self.sampled_pairs == 0 else "no co-consumption"
        if self.lift.low > 1.0:
            return "signal"
        return "below 1" if self.lift.high < 1.0 else "no signal"


@dataclass(frozen=True)
class KgQualityReport:
    dataset: str
    items: int
    users: int
    events: int
    pairs_cap: int
    resamples: int
    seed: int
    overall: RelationQuality
    relations: list[RelationQuality] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (an infinite interval end becomes None); each relation gets its verdict."""
        out = _finite(asdict(self))
        for q, d in zip([self.overall, *self.relations], [out["overall"], *out["relations"]], strict=True):
            d["verdict"] = q.verdict
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One display row per relation, the whole KG last."""
        return [_row(q) for q in [*self.relations, self.overall]]

    def title(self) -> str:
        return (f"KG quality of {self.dataset}: {self.items:,} items, {self.users:,} users, {self.events:,} events "
                f"(≤ {self.pairs_cap:,} pairs per relation, {self.resamples} bootstrap resamples, seed {self.seed})")


@dataclass
class KgArrays:
    """Numpy inputs of :func:`assess`. Node ids: items ``0..n_items-1``, entities from ``n_items`` on."""

    dataset: str
    n_items: int
    interactions: np.ndarray                       # (m, 2) int64: user, item
    relations: dict[str, np.ndarray]               # relation type -> (k, 2) int64 node ids (head, tail)
    relation_names: dict[str, str] = field(default_factory=dict)
    genres: list[list[str]] | None = None          # per item; None when no item has genres


class _Incidence:
    """Sorted (row, column) pairs of a sparse 0/1 matrix with fast row intersections."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_rows: int) -> None:
        n_cols = int(cols.max()) + 1 if len(cols) else 1
        self.n_cols = n_cols
        codes = np.unique(rows.astype(np.int64) * n_cols + cols.astype(np.int64))
        self.codes = codes
        self.cols = codes % n_cols
        self.indptr = np.searchsorted(codes // n_cols, np.arange(n_rows + 1))

    def degree(self, rows: np.ndarray) -> np.ndarray:
        return self.indptr[rows + 1] - self.indptr[rows]

    def overlap(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """|row a ∩ row b| for each pair, expanding the shorter row of each pair."""
        swap = self.degree(a) > self.degree(b)
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        deg = self.degree(a)
        owner = np.repeat(np.arange(len(a)), deg)
        starts = np.repeat(self.indptr[a] - np.cumsum(deg) + deg, deg)
        cols = self.cols[starts + np.arange(len(owner))]
        query = b[owner].astype(np.int64) * self.n_cols + cols
        pos = np.searchsorted(self.codes, query).clip(max=max(len(self.codes) - 1, 0))
        hit = self.codes[pos] == query if len(self.codes) else np.zeros(len(query), bool)
        return np.bincount(owner[hit], minlength=len(a))


# -- shared pairs ---------------------------------------------------------------------------------------

def _incidence_rows(edges: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (hub, item) incidences sorted by hub (both directions, self-loops dropped) and the direct
    item-item pairs (i < j)."""
    edges = edges[edges[:, 0] != edges[:, 1]]
    items, hubs = [], []
    for end, other in ((0, 1), (1, 0)):
        mask = edges[:, end] < n_items
        items.append(edges[mask, end])
        hubs.append(edges[mask, other])
    both = edges[(edges[:, 0] < n_items) & (edges[:, 1] < n_items)]
    direct = np.unique(np.sort(both, axis=1), axis=0) if len(both) else np.zeros((0, 2), np.int64)
    inc = np.unique(np.stack([np.concatenate(hubs), np.concatenate(items)], axis=1), axis=0)
    return inc[:, 1], inc[:, 0], direct


def _hub_groups(edges: np.ndarray, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Items grouped by hub (only hubs joining ≥ 2 items), the hub of each, group sizes, and direct pairs."""
    items, hubs, direct = _incidence_rows(edges, n_items)
    _, inverse, counts = np.unique(hubs, return_inverse=True, return_counts=True)
    keep = counts[inverse] >= 2
    items, hubs = items[keep], hubs[keep]
    return items, hubs, counts[counts >= 2], direct


def _all_pairs(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat positions (left < right) of every pair inside consecutive groups of ``sizes``, and its group."""
    group = np.repeat(np.arange(len(sizes)), sizes)
    partners = np.repeat(np.cumsum(sizes), sizes) - np.arange(len(group)) - 1
    left = np.repeat(np.arange(len(group)), partners)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    return left, right, group[left]


def count_shared_pairs(edges: np.ndarray, n_items: int, rng: np.random.Generator,
                       enumerate_limit: int = ENUMERATE_LIMIT, proposals: int = 20_000) -> tuple[int, bool]:
    """Number of distinct item pairs sharing a node through ``edges`` (or joined directly), and whether it is
    exact: enumerated when hubs generate ≤ ``enumerate_limit`` pairs, else estimated by proposing pairs by hub
    (∝ its pairs) or direct edge: E[1 / ways the pair can be proposed] = distinct / proposable."""
    items, hubs, sizes, direct = _hub_groups(edges, n_items)
    walks = sizes * (sizes - 1) // 2
    if int(walks.sum()) + len(direct) <= enumerate_limit:
        left, right, _ = _all_pairs(sizes)
        a, b = items[left], items[right]
        codes = np.concatenate([np.minimum(a, b) * n_items + np.maximum(a, b), direct[:, 0] * n_items + direct[:, 1]])
        return len(np.unique(codes)), True
    inc = _Incidence(items, hubs, n_items)
    starts = np.cumsum(sizes) - sizes
    mass = np.concatenate([walks, np.ones(len(direct), np.int64)]).astype(np.float64)
    pick = rng.choice(len(mass), proposals, p=mass / mass.sum())
    h = pick[pick < len(sizes)]
    first = rng.integers(0, sizes[h])
    second = (first + rng.integers(1, sizes[h])) % sizes[h]
    a = np.concatenate([items[starts[h] + first], direct[pick[pick >= len(sizes)] - len(sizes), 0]])
    b = np.concatenate([items[starts[h] + second], direct[pick[pick >= len(sizes)] - len(sizes), 1]])
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    ways = inc.overlap(lo, hi) + np.isin(lo * n_items + hi, direct[:, 0] * n_items + direct[:, 1])
    return int(round(mass.sum() * float(np.mean(1.0 / ways)))), False


@dataclass(frozen=True)
class HubSample:
    """Shared item pairs drawn hub by hub. A hub is a node joining ≥ 2 items through the relation(s), or one
    direct item-item edge; each hub weighs 1 in total, split evenly over its pairs."""

    pairs: np.ndarray      # (k, 2) item ids
    hubs: np.ndarray       # (k,) hub of each pair: the bootstrap cluster
    weights: np.ndarray    # (k,) float
    n_hubs: int
    enumerated: bool       # every (hub, pair) is in the sample (else `cap` draws)


def hub_pairs(edges: np.ndarray, n_items: int, cap: int, rng: np.random.Generator) -> HubSample:
    """Every (hub, pair) with weight 1 / (pairs of the hub) when there are at most ``cap`` of them; else ``cap``
    draws of a uniform hub, then a uniform pair of its items, weight 1. Either way a hub such as a country or
    a genre (thousands of films) counts as much as a director (a few)."""
    items, _, sizes, direct = _hub_groups(edges, n_items)
    walks = sizes * (sizes - 1) // 2
    n_hubs = len(sizes) + len(direct)
    if int(walks.sum()) + len(direct) <= cap:
        left, right, owner = _all_pairs(sizes)
        pairs = np.concatenate([np.stack([items[left], items[right]], 1), direct])
        hub_of = np.concatenate([owner, len(sizes) + np.arange(len(direct))])
        return HubSample(pairs.astype(np.int64), hub_of, np.concatenate([1.0 / walks[owner], np.ones(len(direct))]),
                         n_hubs, True)
    pick = rng.integers(0, n_hubs, cap)
    h = pick[pick < len(sizes)]
    starts = np.cumsum(sizes) - sizes
    first = rng.integers(0, sizes[h])
    second = (first + rng.integers(1, sizes[h])) % sizes[h]
    pairs = np.concatenate([np.stack([items[starts[h] + first], items[starts[h] + second]], 1),
                            direct[pick[pick >= len(sizes)] - len(sizes)]])
    hub_of = np.concatenate([h, pick[pick >= len(sizes)]])
    return HubSample(pairs.astype(np.int64), hub_of, np.ones(cap), n_hubs, False)


def random_pairs(sample: HubSample, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` pairs of distinct items, both ends drawn from the endpoints of the shared sample in proportion
    to their weight there (the same item population, popular items as often as among shared pairs)."""
    pool = sample.pairs.ravel()
    if len(np.unique(pool)) < 2:
        return np.zeros((0, 2), np.int64)
    p = np.repeat(sample.weights, 2) / (2 * sample.weights.sum())
    out = np.zeros((0, 2), np.int64)
    while len(out) < n:
        draw = pool[rng.choice(len(pool), (2 * (n - len(out)) + 16, 2), p=p)]
        out = np.concatenate([out, draw[draw[:, 0] != draw[:, 1]]])
    return out[:n]


# -- statistics ----------------------------------------------------------------------------------------

def bootstrap_ratio(shared: tuple[np.ndarray, np.ndarray], hubs: np.ndarray,
                    baseline: float | tuple[np.ndarray, np.ndarray] | None, rng: np.random.Generator,
                    resamples: int, confidence: float = 0.95) -> Interval | None:
    """(Σ num / Σ den over shared pairs) ÷ ``baseline``: an exact value, or (num, den) of random pairs giving
    Σ num / Σ den. The percentile interval resamples the shared pairs' hubs (clusters: pairs of one hub are
    not independent) and, when sampled, the random pairs."""
    num_s, den_s = shared
    fixed = baseline is None or isinstance(baseline, float)
    base = baseline if fixed else _ratio(*baseline)
    if not len(num_s) or den_s.sum() <= 0 or not base or not np.isfinite(base):
        return None
    _, cluster = np.unique(hubs, return_inverse=True)
    by_hub = np.stack([np.bincount(cluster, num_s), np.bincount(cluster, den_s)])
    ratios = np.empty(resamples)
    for start in range(0, resamples, 25):
        n = min(25, resamples - start)
        s = _resampled_sums(by_hub, n, rng)
        r = np.full((2, n), [[base], [1.0]]) if fixed else _resampled_sums(np.stack(baseline), n, rng)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios[start:start + n] = (s[0] / s[1]) / (r[0] / r[1])
    ratios = np.nan_to_num(ratios, nan=np.inf)   # a resample without denominator mass counts as unbounded
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail], method="inverted_cdf")  # no inf - inf interpolation
    point = num_s.sum() / den_s.sum() / base
    return Interval(*(float(np.round(x, 12)) for x in (point, low, high)))  # exact 1 stays 1 (no 0.99…9 verdict)


def baseline_oe(inter: np.ndarray, degrees: np.ndarray, n_users: int, sample: HubSample) -> float | None:
    """O/E of random pairs i ≠ j whose ends are drawn independently with the weights of the items in the
    shared sample, in closed form: Σ_{i≠j} p_i p_j |U_i ∩ U_j| = Σ_u (Σ_{i∈u} p_i)² − Σ_i p_i² |U_i| and
    Σ_{i≠j} p_i p_j |U_i||U_j| / N = ((Σ p_i |U_i|)² − Σ p_i² |U_i|²) / N (no sampling noise)."""
    if not len(sample.pairs) or not len(inter):
        return None
    p = np.bincount(sample.pairs.ravel(), np.repeat(sample.weights, 2), minlength=len(degrees))
    p = p / p.sum()
    per_user = np.bincount(inter[:, 0], p[inter[:, 1]])
    observed = float((per_user ** 2).sum() - (p ** 2 * degrees).sum())
    expected = float(((p * degrees).sum() ** 2 - (p ** 2 * degrees ** 2).sum()) / max(n_users, 1))
    return observed / expected if observed > 0 and expected > 0 else None


def _resampled_sums(values: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of ``values`` (rows: quantities, columns: units) over ``n`` resamples of its columns."""
    k = values.shape[1]
    counts = np.stack([np.bincount(rng.integers(0, k, k), minlength=k) for _ in range(n)]).astype(np.float64)
    return values @ counts.T


def _genre_incidence(genres: list[list[str]] | None, n_items: int) -> _Incidence | None:
    if genres is None or not any(genres):
        return None
    vocab = {g: k for k, g in enumerate(sorted({g for gs in genres for g in gs}))}
    rows = np.fromiter((i for i, gs in enumerate(genres) for _ in gs), np.int64)
    cols = np.fromiter((vocab[g] for gs in genres for g in gs), np.int64)
    return _Incidence(rows, cols, n_items)


def _jaccard(inc: _Incidence, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard of the two rows of each pair whose rows are both non-empty, and the mask of those pairs."""
    a, b = pairs[:, 0], pairs[:, 1]
    keep = (inc.degree(a) > 0) & (inc.degree(b) > 0)
    a, b = a[keep], b[keep]
    inter = inc.overlap(a, b)
    return inter / np.maximum(inc.degree(a) + inc.degree(b) - inter, 1), keep


# -- assessing -----------------------------------------------------------------------------------------

@dataclass
class _Context:
    arrays: KgArrays
    users: _Incidence                 # item -> its consumers
    inter: np.ndarray                 # distinct (user, item) interactions
    n_users: int
    genres: _Incidence | None
    cap: int
    resamples: int
    seed: int
    enumerate_limit: int

    def co_consumers(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Observed |U_i ∩ U_j| and expected |U_i|·|U_j| / N per pair."""
        a, b = pairs[:, 0], pairs[:, 1]
        expected = self.users.degree(a).astype(np.float64) * self.users.degree(b) / max(self.n_users, 1)
        return self.users.overlap(a, b).astype(np.float64), expected


def _relation_quality(ctx: _Context, relation: str, name: str, edges: np.ndarray) -> RelationQuality:
    n_items = ctx.arrays.n_items
    rng = np.random.default_rng([ctx.seed, zlib.crc32(relation.encode())])
    ends = np.unique(edges.ravel())
    total, exact = count_shared_pairs(edges, n_items, rng, ctx.enumerate_limit)
    sample = hub_pairs(edges, n_items, ctx.cap, rng)
    w, hubs = sample.weights, sample.hubs
    rand = random_pairs(sample, ctx.cap, rng)     # for the yes/no rate and genres; O/E has a closed form
    o_s, e_s = ctx.co_consumers(sample.pairs)
    base = baseline_oe(ctx.inter, ctx.users.degree(np.arange(n_items)).astype(np.float64), ctx.n_users, sample)
    lift = bootstrap_ratio((w * o_s, w * e_s), hubs, base, rng, ctx.resamples)
    co_random = _mean(ctx.users.overlap(rand[:, 0], rand[:, 1]) > 0)
    g_s, g_r, keep, g_lift = np.zeros(0), np.zeros(0), np.zeros(0, bool), None
    if ctx.genres is not None:
        (g_s, keep), (g_r, _) = _jaccard(ctx.genres, sample.pairs), _jaccard(ctx.genres, rand)
        g_lift = bootstrap_ratio((w[keep] * g_s, w[keep]), hubs[keep], (g_r, np.ones(len(g_r))), rng, ctx.resamples)
    return RelationQuality(
        relation, name, int((ends < n_items).sum()), int((ends >= n_items).sum()), len(edges), total, exact,
        sample.n_hubs, len(sample.pairs), _ratio(w * (o_s > 0), w), co_random, _ratio(w * o_s, w * e_s), base, lift,
        int(keep.sum()), _ratio(w[keep] * g_s, w[keep]), _mean(g_r), g_lift)


def _mean(x: np.ndarray) -> float | None:
    return float(x.mean()) if len(x) else None


def _ratio(num: np.ndarray, den: np.ndarray) -> float | None:
    return float(num.sum() / den.sum()) if len(den) and den.sum() > 0 else None


def assess(arrays: KgArrays, pairs: int = DEFAULT_PAIRS, resamples: int = DEFAULT_RESAMPLES,
           seed: int = DEFAULT_SEED, per_relation: bool = True,
           enumerate_limit: int = ENUMERATE_LIMIT) -> KgQualityReport:
    """Counts, co-consumption lift and genre coherence per relation type and for the whole KG."""
    if pairs < 1 or resamples < 1:
        raise KgrecError("pairs and resamples must be ≥ 1")
    inter = np.unique(arrays.interactions.astype(np.int64), axis=0) if len(arrays.interactions) \
        else np.zeros((0, 2), np.int64)
    n_users = len(np.unique(inter[:, 0]))
    ctx = _Context(arrays, _Incidence(inter[:, 1], inter[:, 0], arrays.n_items), inter, n_users,
                   _genre_incidence(arrays.genres, arrays.n_items), pairs, resamples, seed, enumerate_limit)
    relations = {rel: _unique_edges(e) for rel, e in sorted(arrays.relations.items())}
    per = [_relation_quality(ctx, rel, arrays.relation_names.get(rel, rel), e)
           for rel, e in relations.items()] if per_relation else []
    everything = np.concatenate([e for e in relations.values()]) if relations else np.zeros((0, 2), np.int64)
    overall = _relation_quality(ctx, ALL, "", everything)
    return KgQualityReport(arrays.dataset, arrays.n_items, n_users, len(inter), pairs, resamples, seed, overall, per)


def _unique_edges(edges: np.ndarray) -> np.ndarray:
    edges = np.asarray(edges, np.int64).reshape(-1, 2)
    return np.unique(edges, axis=0) if len(edges) else edges


# -- reading -------------------------------------------------------------------------------------------

def arrays_from_graph_data(data: GraphData, interaction_idx: np.ndarray | None = None) -> KgArrays:
    """The KG of a GraphData (items first, then entities) with its (e.g. training) interactions."""
    n_items = data.num_items
    offset = {"Item": 0, "Entity": n_items}
    relations: dict[str, list[np.ndarray]] = {}
    for (head, rel, tail), pairs in data.kg.items():
        if head not in offset or tail not in offset:
            continue
        relations.setdefault(rel, []).append(np.stack([pairs[:, 0] + offset[head], pairs[:, 1] + offset[tail]], 1))
    inter = data.interactions if interaction_idx is None else data.interactions[interaction_idx]
    return KgArrays(data.dataset, n_items, inter,
                    {rel: np.concatenate(parts) for rel, parts in relations.items()}, dict(data.relation_names))


def read_kg_arrays(graph: Graph, dataset: str, batch_size: int = 20_000) -> KgArrays:
    """Items (keys, genres, consumers) and KG triples of ``dataset`` in key-ordered batches."""
    record = graph.run("load/dataset", name=dataset)[0]["dataset"]
    if record is None:
        raise KgrecError(f"dataset {dataset!r} is not loaded", hint="see `kgrec graph stats`")
    prefix = keys_prefix(dataset)
    per_page = max(1, batch_size * max(record.get("count_items") or 1, 1) // max(record.get("count_events") or 1, 1))
    keys, genres, events_item, user_keys = [], [], [], []
    for page in graph.pages(statement("kg/items"), prefix, min(per_page, batch_size)):
        events_item.append(np.asarray(page["event_items"], np.int64) + len(keys))
        user_keys.extend(page["event_users"])
        keys.extend(page["keys"])
        genres.extend([g] if isinstance(g, str) else [str(x) for x in g] for g in page["genres"])
    item_index = {k: n for n, k in enumerate(keys)}
    _, user_ids = np.unique(np.asarray(user_keys, dtype=object).astype(str), return_inverse=True) \
        if user_keys else (None, np.zeros(0, np.int64))
    items_col = np.concatenate(events_item) if events_item else np.zeros(0, np.int64)
    interactions = np.stack([user_ids.astype(np.int64).ravel(), items_col], axis=1)
    types = list(record.get("relation_types") or [])
    relations = _read_triples(graph, dataset, prefix, batch_size, types, item_index)
    names = dict(zip(types, record.get("relation_names") or types, strict=False))
    return KgArrays(dataset, len(keys), interactions, relations, names, genres if any(genres) else None)


def _read_triples(graph: Graph, dataset: str, prefix: str, batch_size: int, types: list[str],
                  item_index: dict[str, int]) -> dict[str, np.ndarray]:
    heads, tails, rels = [], [], []
    entity_index: dict[str, int] = {}
    n_items = len(item_index)

    def node(key: str, is_item: bool) -> int:
        if is_item:
            return item_index[key]
        return n_items + entity_index.setdefault(key, len(entity_index))

    for label in sorted(KG_LABELS):
        text = splice("kg/triples", head=(label, KG_LABELS))
        for page in graph.pages(text, prefix, batch_size, dataset=dataset, types=types):
            heads.extend(node(k, label == "Item") for k in page["head_keys"])
            tails.extend(node(k, is_item) for k, is_item in zip(page["tail_keys"], page["tail_items"], strict=True))
            rels.extend(page["types"])
    h, t, r = np.asarray(heads, np.int64), np.asarray(tails, np.int64), np.asarray(rels, dtype=str)
    return {rel: np.stack([h[r == rel], t[r == rel]], axis=1) for rel in types if (r == rel).any()}


def check(graph: Graph, dataset: str | None = None, pairs: int = DEFAULT_PAIRS,
          resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, per_relation: bool = True
          ) -> KgQualityReport:
    """The KG quality report of ``dataset`` (default: the only loaded one) read from Neo4j."""
    from kgrec.metapaths import dataset_record

    name = dataset_record(graph, dataset)["name"]
    return assess(read_kg_arrays(graph, name), pairs, resamples, seed, per_relation)


def lift_warning(graph: Graph, dataset: str) -> str | None:
    """A one-line warning when the whole KG's (popularity-corrected, hub-weighted) co-consumption lift
    interval is not above 1 (else None)."""
    overall = check(graph, dataset, per_relation=False).overall
    lift = overall.lift
    if lift is None or overall.signal:
        return None
    where = "includes 1" if lift.contains(1.0) else "is below 1"
    return (f"the KG of {dataset} shows no co-consumption signal: popularity-corrected lift {lift.value:.2f}, "
            f"95% interval [{lift.low:.2f}, {lift.high:.2f}] {where}; check the item-entity links (`kgrec kg check`)")


# -- relation selection for training ------------------------------------------------------------------

def select_relations(data: GraphData, choice: str, interaction_idx: np.ndarray | None = None,
                     seed: int = DEFAULT_SEED) -> tuple[GraphData, list[str], KgQualityReport | None]:
    """Apply ``--kg-relations``: ``all`` (keep every type), ``auto`` (keep types whose popularity-corrected
    co-consumption lift interval on the given interactions lies above 1) or a comma list of types / original
    names to keep."""
    present = sorted({rel for _, rel, _ in data.kg})
    spec = choice.strip()
    report = None
    if spec.lower() == "all":
        kept = present
    elif spec.lower() == "auto":
        report = assess(arrays_from_graph_data(data, interaction_idx), seed=seed)
        kept = [q.relation for q in report.relations if q.signal]
    else:
        kept = sorted(set(_resolve(part.strip(), data) for part in spec.split(",") if part.strip()))
        if not kept:
            raise KgrecError(f"--kg-relations {choice!r}: give all, auto or a comma-separated list of relations")
    keep = set(kept)
    filtered = replace(data, kg={e: p for e, p in data.kg.items() if e[1] in keep},
                       relation_names={r: n for r, n in data.relation_names.items() if r in keep})
    return filtered, kept, report


def _resolve(part: str, data: GraphData) -> str:
    """A relation type (or original name, or its upper-case form) present in ``data.kg``."""
    present = {rel for _, rel, _ in data.kg}
    by_name = {name: rel for rel, name in data.relation_names.items() if rel in present}
    for candidate in (part, part.upper()):
        if candidate in present:
            return candidate
    if part in by_name:
        return by_name[part]
    raise KgrecError(f"--kg-relations: unknown relation {part!r} in dataset {data.dataset!r}",
                     hint=f"known: {', '.join(sorted(present)) or '(no KG relations)'}")


# -- display -------------------------------------------------------------------------------------------

def _row(q: RelationQuality) -> dict[str, Any]:
    return {"relation": q.relation, "items": q.items_linked, "entities": q.entities, "triples": q.triples,
            "shared pairs": f"{q.shared_pairs:,}" if q.shared_pairs_exact else f"~{q.shared_pairs:,}",
            "hubs": q.hubs, "sampled": q.sampled_pairs,
            "co ≥1 shared/random": f"{_pct(q.co_shared)}/{_pct(q.co_random)}",
            "O/E shared/random": f"{_num(q.oe_shared)}/{_num(q.oe_random)}",
            "lift [95%]": _interval(q.lift), "genre J shared/random": _genres(q), "verdict": q.verdict}


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and not np.isfinite(value) else value


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _interval(iv: Interval | None) -> str:
    if iv is None:
        return "-"
    high = "inf" if not np.isfinite(iv.high) else f"{iv.high:.2f}"
    return f"{iv.value:.2f} [{iv.low:.2f}, {high}]"


def _genres(q: RelationQuality) -> str:
    if q.genre_shared is None or q.genre_random is None:
        return "-"
    return f"{q.genre_shared:.2f}/{q.genre_random:.2f} ({_interval(q.genre_lift)})"
