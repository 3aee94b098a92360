"""Schema-level metapaths from users to items, their instance counts, samples, and graph stats.

A metapath is a sequence of node types (U = User, I = Item, E = Entity) such as ``U-I-E-I``.
Hops are undirected; U-I uses INTERACTED, U-U uses FRIEND, and hops among I/E use every KG
relationship type of the dataset between those labels (from its ``KgrecDataset`` record).

Instance counts are exact counts of *walks* (a node or relationship may repeat, e.g.
u1-i1-u1-i1), i.e. ``1ᵀ A₁ A₂ … A_k 1`` over the typed adjacency matrices. They are computed in
Cypher by splitting the path at its middle type and summing products of per-node degree
counts (``COUNT {}`` on the degree store), never by expanding paths, so long paths stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgrec.cypher import check_identifier, statement
from kgrec.db import Graph, refuse_incomplete
from kgrec.errors import KgrecError

TYPE_LABELS = {"U": "User", "I": "Item", "E": "Entity"}
LABEL_TYPES = {v: k for k, v in TYPE_LABELS.items()}
MAX_LENGTH = 4


@dataclass(frozen=True)
class Metapath:
    types: tuple[str, ...]

    @property
    def name(self) -> str:
        return "-".join(self.types)

    def __len__(self) -> int:
        return len(self.types) - 1


def dataset_record(graph: Graph, dataset: str | None) -> dict[str, Any]:
    """The KgrecDataset record; with ``dataset`` None, the only loaded one."""
    if dataset is None:
        names = [r["name"] for r in graph.run("load/datasets")]
        if len(names) != 1:
            raise KgrecError("no dataset loaded" if not names else
                             f"several datasets loaded ({', '.join(names)}): choose one with --dataset",
                             hint=None if names else "run `kgrec load ml100k` (or another loader)")
        dataset = names[0]
    record = graph.run("load/dataset", name=dataset)[0]["dataset"]
    if record is None:
        raise KgrecError(f"dataset {dataset!r} is not loaded", hint="see `kgrec graph stats`")
    refuse_incomplete(record, "walk")
    return record


def hop_types(record: dict[str, Any]) -> dict[frozenset[str], set[str]]:
    """Relationship types usable for each unordered pair of node types."""
    hops: dict[frozenset[str], set[str]] = {}
    if record.get("count_events"):
        hops[frozenset("UI")] = {"INTERACTED"}
    if record.get("count_friends"):
        hops[frozenset("U")] = {"FRIEND"}
    for signature in record.get("kg_signatures", []):
        head, rel, tail = signature.split("|")
        hops.setdefault(frozenset({LABEL_TYPES[head], LABEL_TYPES[tail]}), set()).add(rel)
    return hops


def enumerate_metapaths(hops: dict[frozenset[str], set[str]], max_length: int = MAX_LENGTH) -> list[Metapath]:
    """All type sequences U ... I with 2..max_length hops that the schema allows."""
    if not 2 <= max_length <= MAX_LENGTH:
        raise KgrecError(f"--max-length must be between 2 and {MAX_LENGTH}")
    found: list[Metapath] = []

    def extend(path: tuple[str, ...]) -> None:
        if len(path) - 1 >= 2 and path[-1] == "I":
            found.append(Metapath(path))
        if len(path) - 1 == max_length:
            return
        for nxt in "UIE":
            if frozenset({path[-1], nxt}) in hops:
                extend((*path, nxt))

    extend(("U",))
    return sorted(found, key=lambda m: (len(m), m.name))


def parse_path(text: str, hops: dict[frozenset[str], set[str]]) -> Metapath:
    types = tuple(t.strip().upper() for t in text.split("-"))
    if any(t not in TYPE_LABELS for t in types) or not 2 <= len(types) - 1 <= MAX_LENGTH:
        raise KgrecError(f"metapath {text!r}: use 3 to {MAX_LENGTH + 1} of U, I, E joined by '-' (e.g. U-I-E-I)")
    for a, b in zip(types, types[1:], strict=False):
        if frozenset({a, b}) not in hops:
            raise KgrecError(f"metapath {text!r}: the dataset has no {a}-{b} relationships")
    return Metapath(types)


def _fill(template: str, path: Metapath, hops: dict[frozenset[str], set[str]], text: str | None = None) -> str:
    """Replace {{Tj}} by labels and {{Rj}} by whitelisted type alternations (A|B|C) in statement ``template``
    (or in ``text``, that statement already partly filled)."""
    text = statement(template) if text is None else text
    for j, t in enumerate(path.types):
        text = text.replace(f"{{{{T{j}}}}}", check_identifier(TYPE_LABELS[t], set(TYPE_LABELS.values()), "label"))
    for j, (a, b) in enumerate(zip(path.types, path.types[1:], strict=False), 1):
        allowed = hops[frozenset({a, b})]
        text = text.replace(f"{{{{R{j}}}}}", "|".join(check_identifier(r, allowed, "relationship type")
                                                     for r in sorted(allowed)))
    if "{{" in text:
        raise KgrecError(f"statement {template} has unfilled markers for {path.name}")
    return text


def count_instances(graph: Graph, dataset: str, path: Metapath, hops: dict[frozenset[str], set[str]]) -> int:
    return int(graph.query(_fill(f"metapaths/count_{len(path)}", path, hops), dataset=dataset)[0]["instances"])


def metapath_counts(graph: Graph, dataset: str | None = None, max_length: int = MAX_LENGTH
                    ) -> list[dict[str, Any]]:
    record = dataset_record(graph, dataset)
    hops = hop_types(record)
    return [{"metapath": m.name, "hops": len(m), "instances": count_instances(graph, record["name"], m, hops)}
            for m in enumerate_metapaths(hops, max_length)]


def sample(graph: Graph, path_text: str, limit: int = 10, dataset: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` instances, each starting from a different random start node."""
    record = dataset_record(graph, dataset)
    hops = hop_types(record)
    path = parse_path(path_text, hops)
    text = _fill(f"metapaths/sample_{len(path)}", path, hops)
    return graph.query(text, dataset=record["name"], limit=limit, starts=max(limit * 20, 100))


def graph_stats(graph: Graph, dataset: str | None = None) -> tuple[list[dict], list[dict]]:
    """Counts per (dataset, label) and (dataset, type); a named dataset with no nodes is an error."""
    names = [dataset] if dataset is not None else [r["name"] for r in graph.run("load/datasets")]
    for name in names:
        refuse_incomplete(graph.run("load/dataset", name=name)[0]["dataset"], "report")
    labels = graph.run("graph/label_counts", dataset=dataset)
    if dataset is not None and not labels:
        raise KgrecError(f"dataset {dataset!r} is not loaded", hint="`kgrec graph stats` lists the loaded ones")
    return labels, graph.run("graph/rel_counts", dataset=dataset)


def schema_edges(graph: Graph) -> list[tuple[str, str, str]]:
    """(start label, type, end label) patterns present in the data (exact, unlike db.schema.visualization)."""
    return [(r["start"], r["type"], r["end"]) for r in graph.run("graph/schema_patterns")]


SCHEMA_POS = {"User": (0.0, 0.0), "Item": (3.0, 0.0), "Entity": (6.0, 0.0)}
SCHEMA_COLOURS = {"User": "#8dd3c7", "Item": "#fdb462", "Entity": "#bebada"}
SCHEMA_MAX_TYPES = 8   # relationship types listed per (label, label) pair; the rest are counted
# where each pair's type box goes: (x, y) offset from the pair's anchor, horizontal and vertical alignment
SCHEMA_BOX = {"loop-up": (0.0, 0.75, "center", "bottom"), "loop-right": (0.8, 0.0, "left", "center"),
              "above": (-0.3, 0.6, "left", "bottom"), "below": (0.0, -0.6, "center", "top")}


def draw_schema(edges: list[tuple[str, str, str]], path: Path) -> list[Any]:
    """Render the label/type schema as a PNG: one arrow per (label, label) pair with its types in a box;
    boxes that would overlap are pushed apart, and the title goes above the highest one. Returns the
    boxes' and the title's extents in pixels (for tests)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[tuple[str, str], list[str]] = {}
    for start, rel, end in edges:
        if start in SCHEMA_POS and end in SCHEMA_POS:
            groups.setdefault((start, end), []).append(rel)
    fig, ax = plt.subplots(figsize=(15, 8))
    for label, (x, y) in SCHEMA_POS.items():
        ax.add_patch(plt.Circle((x, y), 0.32, color=SCHEMA_COLOURS[label], zorder=3))
        ax.text(x, y, f":{label}", ha="center", va="center", fontsize=13, weight="bold", zorder=4)
    boxes = [_draw_group(ax, start, end, sorted(rels)) for (start, end), rels in sorted(groups.items())]
    ax.set_xlim(-1.0, 9.0)
    ax.set_ylim(-2.4, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    _separate(fig, ax, boxes)
    top = max([text.get_window_extent(fig.canvas.get_renderer()).y1 for text, _ in boxes],
              default=ax.transData.transform((0, 1.0))[1])
    title_y = ax.transData.inverted().transform((0, top + 25))[1]
    title = ax.text(4.0, title_y, "kgrec graph schema: (label)-[type]->(label) patterns in the database",
                    ha="center", va="bottom", fontsize=13)
    extents = [t.get_window_extent(fig.canvas.get_renderer()) for t in [*(b for b, _ in boxes), title]]
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return extents


def _type_list(rels: list[str]) -> str:
    shown = rels if len(rels) <= SCHEMA_MAX_TYPES else [*rels[:SCHEMA_MAX_TYPES - 1],
                                                         f"… and {len(rels) - SCHEMA_MAX_TYPES + 1} more types"]
    return "\n".join(shown)


def _draw_group(ax: Any, start: str, end: str, rels: list[str]) -> tuple[Any, int]:
    """Draw the arrow of one label pair and its type box; return (text, direction to push it: +1 up / -1 down)."""
    a, b = SCHEMA_POS[start], SCHEMA_POS[end]
    style = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": SCHEMA_COLOURS[start], "lw": 1.2}
    if a == b:
        right = start == "Entity"     # the right-most node loops to the right, the others above
        if right:
            ax.annotate("", xy=(a[0] + 0.27, a[1] - 0.2), xytext=(a[0] + 0.27, a[1] + 0.2),
                        arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=-1.8"})
        else:
            ax.annotate("", xy=(a[0] + 0.2, a[1] + 0.27), xytext=(a[0] - 0.2, a[1] + 0.27),
                        arrowprops={"arrowstyle": "->", "connectionstyle": "arc3,rad=-1.8"})
        place, anchor = ("loop-right" if right else "loop-up"), a
    else:
        ax.annotate("", xy=b, xytext=a, arrowprops={"arrowstyle": "->", "shrinkA": 34, "shrinkB": 34,
                                                     "connectionstyle": "arc3,rad=0.3"})
        place, anchor = ("above" if a[0] > b[0] else "below"), ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    dx, dy, ha, va = SCHEMA_BOX[place]
    text = ax.text(anchor[0] + dx, anchor[1] + dy, _type_list(rels), ha=ha, va=va, fontsize=8, bbox=style)
    return text, -1 if place == "below" else 1


def _separate(fig: Any, ax: Any, boxes: list[tuple[Any, int]], step: float = 0.08, rounds: int = 200) -> None:
    """Move type boxes away from the nodes (up or down) until no two boxes overlap."""
    renderer = fig.canvas.get_renderer()
    for n, (text, direction) in enumerate(boxes):
        for _ in range(rounds):
            mine = text.get_window_extent(renderer).expanded(1.04, 1.1)
            if not any(mine.overlaps(other.get_window_extent(renderer)) for other, _ in boxes[:n]):
                break
            x, y = text.get_position()
            text.set_position((x, y + step * direction))
