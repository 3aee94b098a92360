"""Bring a reloaded dataset's knowledge graph in line with its source: remove what the source no longer has.

Loading MERGEs, so on its own a re-load only adds. When a dataset's KG changes between loads — the
ml-100k links re-keyed through the id bridge are the case in point — the triples, entity nodes and
item links of the old version would stay behind. :func:`prune_stale_kg` runs after the new plan is
written: it reads the dataset's KG triples and entity keys page by page, deletes those absent from
the plan and removes ``entity`` from items the plan leaves unlinked. Each batch is one transaction
and every step is a set difference, so an interrupted prune is completed by re-running the load.
It only runs for plans that carry a KG (a plan without triples never deletes a KG).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from kgrec import keys
from kgrec.cypher import splice, statement
from kgrec.db import Graph
from kgrec.ingest.validate import NODE_LABELS, LoadPlan

KG_LABELS = ("Item", "Entity")
PAGE = 20_000


@dataclass
class PruneReport:
    triples: int = 0    # stale KG relationships deleted
    entities: int = 0   # stale Entity nodes deleted
    unlinked: int = 0   # items that lost a stale `entity` link

    @property
    def total(self) -> int:
        return self.triples + self.entities + self.unlinked


def prune_stale_kg(graph: Graph, plan: LoadPlan, relation_types: set[str], batch_size: int = 5000) -> PruneReport:
    """Delete the dataset's KG triples, entities and item links that ``plan`` does not contain.

    ``relation_types`` whitelists the types that may be spliced (the plan's and those recorded for
    the dataset by earlier loads)."""
    if not plan.triples:
        return PruneReport()
    allowed = set(relation_types) | set(plan.relation_types)
    return PruneReport(triples=_prune_triples(graph, plan, allowed, batch_size),
                       entities=_prune_entities(graph, plan, batch_size),
                       unlinked=_unlink_items(graph, plan, batch_size))


def _prune_triples(graph: Graph, plan: LoadPlan, allowed: set[str], batch_size: int) -> int:
    wanted = {(rel, row["h"], row["t"]) for (_, rel, _), rows in plan.triples.items() for row in rows}
    stale: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for head, rel, tail, h, t in _existing_triples(graph, plan.name):
        if rel in allowed and (rel, h, t) not in wanted:
            stale[(head, rel, tail)].append({"h": h, "t": t})
    deleted = 0
    for (head, rel, tail), rows in sorted(stale.items()):
        text = splice("load/delete_triples", head=(head, NODE_LABELS), rel=(rel, allowed), tail=(tail, NODE_LABELS))
        for batch in graph.write_batches(text, rows, batch_size, dataset=plan.name):
            deleted += batch.counters.relationships_deleted
    return deleted


def _prune_entities(graph: Graph, plan: LoadPlan, batch_size: int) -> int:
    keep = {row["key"] for row in plan.nodes["Entity"]}
    pages = graph.pages(statement("load/entity_keys_page"), f"{plan.name}:", PAGE)
    gone = [{"key": k} for page in pages for k in page["keys"] if k not in keep]
    return sum(batch.counters.nodes_deleted
               for batch in graph.write_batches(statement("load/delete_entities"), gone, batch_size))


def _unlink_items(graph: Graph, plan: LoadPlan, batch_size: int) -> int:
    unlinked = [{"key": row["key"]} for row in plan.nodes["Item"] if "entity" not in row["props"]]
    return sum(batch.records[0]["unlinked"]
               for batch in graph.write_batches(statement("load/unlink_items"), unlinked, batch_size))


def _existing_triples(graph: Graph, dataset: str) -> Iterator[tuple[str, str, str, str, str]]:
    """(head label, type, tail label, head key, tail key) of every KG triple of ``dataset``."""
    for head in KG_LABELS:
        text = splice("load/kg_triples_page", head=(head, NODE_LABELS))
        for page in graph.pages(text, keys.prefix(dataset), PAGE, dataset=dataset):
            yield from ((head, rel, tail_label, h, t) for h, rel, t, tail_label in
                        zip(page["head_keys"], page["types"], page["tail_keys"], page["tail_labels"], strict=True))
