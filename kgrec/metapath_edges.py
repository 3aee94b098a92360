"""Metapath neighbour relations for training: top-N neighbours per node, materialised in Cypher.

``--metapaths U-I-U,I-E-I,I-U-I`` names *symmetric* metapaths whose two ends are users or items
(length 2 or 4: ``T0-T1-T0`` or ``T0-T1-T2-T1-T0``). For each one, the ``metapaths/neighbours_*``
statement streams, in key-ordered batches of start nodes, the ``top_n`` other nodes of the same
label with the most path instances, weighted by

* ``pathsim``: PathSim, ``2·|paths(a,b)| / (|paths(a,a)| + |paths(b,b)|)`` (in (0, 1]; 1 for a node
  whose half-path neighbourhood equals b's), or
* ``count``: the instance count ``|paths(a,b)|``.

Path instances are walks over *binary* adjacency: two nodes are adjacent when at least one allowed
relationship joins them (several KG relationships, or several events, between the same two nodes
count once). ``|paths(a,b)| = Σ_x c(a,x)·c(b,x)`` over the middle node ``x``, ``c`` = walks along
the half path.

No leakage: a User–Item hop counts only when the pair is a *training* interaction of the run's
split. The training pairs reach Cypher as a parameter (``$train``: user key -> {item key: true}), and
every User–Item hop of a statement (its ``{{ALLOW:…}}`` marker) keeps only pairs in it, so valid/test
events (which Neo4j holds too) never create a neighbour. The result is tied to the split (``MetapathInfo.split_id``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

import numpy as np

from kgrec.cypher import statement
from kgrec.data import GraphData
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.export import KeyIndex
from kgrec.keys import prefix as key_prefix
from kgrec.metapaths import TYPE_LABELS, Metapath, _fill, dataset_record, hop_types, parse_path

WEIGHTINGS = ("pathsim", "count")
ALLOW_MARKER = re.compile(r"\{\{ALLOW:T(\d):([a-z][a-z0-9_]*):T(\d):([a-z][a-z0-9_]*)\}\}")
END_TYPES = ("U", "I")


@dataclass(frozen=True)
class MetapathInfo:
    """How ``GraphData.metapaths`` was materialised (recorded with the saved graph)."""

    names: tuple[str, ...]
    top_n: int
    weighting: str
    split_id: str

    def to_dict(self) -> dict:
        return asdict(self) | {"names": list(self.names)}


def label_of(name: str) -> str:
    """The node label at both ends of metapath ``name`` (``U-I-U`` -> ``User``)."""
    return TYPE_LABELS[name.split("-")[0]]


def split_names(text: str) -> list[str]:
    """``"U-I-U, i-e-i"`` -> ``["U-I-U", "I-E-I"]`` (normalised, order kept; duplicates refused)."""
    names = ["-".join(t.strip().upper() for t in part.split("-")) for part in text.split(",") if part.strip()]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise KgrecError(f"--metapaths: {', '.join(duplicates)} listed twice")
    return names


def check_shape(path: Metapath) -> None:
    """A neighbour metapath is symmetric, 2 or 4 hops long, and starts and ends at users or items."""
    name = path.name
    if path.types[0] not in END_TYPES:
        raise KgrecError(f"metapath {name}: must start and end at U or I (neighbours are users or items)")
    if len(path) not in (2, 4) or path.types != path.types[::-1]:
        raise KgrecError(f"metapath {name}: must be symmetric with 2 or 4 hops (e.g. U-I-U, I-E-I, U-I-E-I-U)",
                         hint="PathSim is defined for symmetric metapaths")


def parse_metapaths(graph: Graph, dataset: str, text: str) -> tuple[list[Metapath], dict]:
    """``--metapaths`` checked against the dataset's schema: (metapaths, hop types). One clear error."""
    names = split_names(text)
    if not names:
        raise KgrecError("--metapaths is empty", hint="e.g. --metapaths U-I-U,I-E-I,I-U-I")
    hops = hop_types(dataset_record(graph, dataset))
    paths = [parse_path(name, hops) for name in names]
    for path in paths:
        check_shape(path)
    return paths, hops


def train_pairs_param(data: GraphData, train_idx: np.ndarray) -> dict[str, dict[str, bool]]:
    """The training interactions as ``{user key: {item key: True}}`` (the no-leak allow-list)."""
    users, items = data.keys["User"], data.keys["Item"]
    out: dict[str, dict[str, bool]] = {}
    for u, i in data.interactions[train_idx]:
        out.setdefault(str(users[u]), {})[str(items[i])] = True
    return out


def fill_statement(template: str, path: Metapath, hops: dict) -> str:
    """Statement ``template`` for ``path``: each ``{{ALLOW:Tj:u:Tk:v}}`` marker (the hop between variables
    ``u`` of type j and ``v`` of type k) becomes ``$train[<user>.key][<item>.key]`` on a User–Item hop and
    ``true`` on any other; then labels and relationship types are spliced through the whitelist."""
    def allow(marker: re.Match) -> str:
        ends = [(path.types[int(marker[1])], marker[2]), (path.types[int(marker[3])], marker[4])]
        if sorted(t for t, _ in ends) != ["I", "U"]:
            return "true"
        (_, user), (_, item) = sorted(ends, reverse=True)      # ("U", user var) first
        return f"$train[{user}.key][{item}.key]"

    return _fill(template, path, hops, ALLOW_MARKER.sub(allow, statement(template)))


def self_paths(graph: Graph, path: Metapath, hops: dict, prefix: str, train: dict, batch_size: int
               ) -> dict[str, int]:
    """``|paths(a, a)|`` per start key (PathSim's denominator), in key-ordered batches."""
    text = fill_statement(f"metapaths/self_paths_{len(path) // 2}", path, hops)
    out: dict[str, int] = {}
    for page in graph.pages(text, prefix, batch_size, train=train):
        out.update(zip(page["keys"], (int(p) for p in page["self_paths"]), strict=True))
    return out


def neighbours(graph: Graph, data: GraphData, path: Metapath, hops: dict, train: dict, top_n: int,
               weighting: str, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (k, 2) [node, neighbour] as label indices, weights (k,)) sorted by node then neighbour."""
    prefix = key_prefix(data.dataset)
    index = KeyIndex(label_of(path.name), data.keys[label_of(path.name)])
    diag = self_paths(graph, path, hops, prefix, train, batch_size) if weighting == "pathsim" else {}
    text = fill_statement(f"metapaths/neighbours_{len(path) // 2}", path, hops)
    starts, ends, weights = [], [], []
    for page in graph.pages(text, prefix, batch_size, train=train, self_paths=diag, weighting=weighting,
                            top_n=top_n):
        if page["start_keys"]:
            starts.append(index(page["start_keys"]))
            ends.append(index(page["neighbour_keys"]))
            weights.append(np.asarray(page["weights"], np.float32))
    if not starts:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float32)
    pairs = np.stack([np.concatenate(starts), np.concatenate(ends)], axis=1).astype(np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], np.concatenate(weights)[order]


def materialise(graph: Graph, data: GraphData, text: str, train_idx: np.ndarray, split_id: str,
                top_n: int = 20, weighting: str = "pathsim", batch_size: int = 500) -> GraphData:
    """A copy of ``data`` with ``metapaths``/``metapath_weights``/``metapath_info`` filled from Neo4j, from the
    training pairs ``train_idx`` of split ``split_id`` only."""
    if weighting not in WEIGHTINGS:
        raise KgrecError(f"metapath weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    if top_n < 1:
        raise KgrecError("--metapath-top-n must be ≥ 1")
    paths, hops = parse_metapaths(graph, data.dataset, text)
    train = train_pairs_param(data, train_idx)
    edges, weights = {}, {}
    for path in paths:
        edges[path.name], weights[path.name] = neighbours(graph, data, path, hops, train, top_n, weighting,
                                                          batch_size)
    info = MetapathInfo(tuple(p.name for p in paths), top_n, weighting, split_id).to_dict()
    return replace(data, metapaths=edges, metapath_weights=weights, metapath_info=info)


def is_current(data: GraphData, names: list[str], top_n: int, weighting: str, split_id: str) -> bool:
    """Whether ``data`` already holds ``names`` materialised the same way for split ``split_id``."""
    info = data.metapath_info
    return (bool(info) and set(names) <= set(info.get("names", ())) and info.get("top_n") == top_n
            and info.get("weighting") == weighting and info.get("split_id") == split_id)
