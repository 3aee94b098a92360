"""Write a validated :class:`LoadPlan` with batched UNWIND + MERGE on unique keys.

Each batch is one transaction, so a killed load leaves whole batches behind and a re-run
MERGEs the rest: the final counts are exact (resumable) and a second identical load creates
nothing (idempotent). Events, the bulk of a load, are CREATEd instead when the dataset has none yet
(its first load): validation made their identities unique, and a re-run after a kill finds events
present and MERGEs. The :class:`~kgrec.ingest.validate.LoadPlan` was checked as a whole
before this module is called, so bad input never reaches the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from kgrec import migrations
from kgrec.cypher import splice, statement
from kgrec.db import Graph, incomplete_load
from kgrec.ingest.kg_sync import PruneReport, prune_stale_kg
from kgrec.ingest.validate import NODE_LABELS, LoadPlan

DEFAULT_BATCH = 5000


@dataclass
class StepResult:
    step: str
    rows: int
    created: int

    @property
    def present(self) -> int:
        return self.rows - self.created


@dataclass
class LoadReport:
    dataset: str
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    items: int = 0                 # items in the plan
    linked: int = 0                # of which linked to a KG entity
    pruned: PruneReport = field(default_factory=PruneReport)  # stale KG removed on a re-load

    @property
    def unlinked(self) -> int:
        return self.items - self.linked

    @property
    def created(self) -> int:
        return sum(s.created for s in self.steps)

    def table(self) -> list[dict[str, Any]]:
        return [{"step": s.step, "rows": s.rows, "created": s.created, "already present": s.present}
                for s in self.steps]


class RowsPerSecond(ProgressColumn):
    def render(self, task: Any) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "… rows/s")


def load_plan(graph: Graph, plan: LoadPlan, batch_size: int = DEFAULT_BATCH, show_progress: bool = True,
              after_batch: Callable[[str, int], None] | None = None, create_first_events: bool = True) -> LoadReport:
    """MERGE the plan into Neo4j (schema migrated first); return created vs already-present counts.

    ``create_first_events=False`` MERGEs events even on a dataset's first load (the slow path)."""
    migrations.migrate(graph)
    items = plan.nodes["Item"]
    report = LoadReport(plan.name, items=len(items), linked=sum("entity" in row["props"] for row in items))
    start = time.perf_counter()
    recorded = graph.run("load/dataset", name=plan.name)[0]["dataset"]
    first_events = create_first_events and not graph.run("load/events_present", prefix=f"{plan.name}:")[0]["present"]
    steps = list(_steps(plan, first_events))
    total = sum(len(rows) for _, _, rows, _ in steps)
    columns = (TextColumn("[bold]{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
               RowsPerSecond(), TimeElapsedColumn())
    graph.run("load/mark_dataset", name=plan.name, status="loading")  # before any node: no orphans
    with Progress(*columns, disable=not show_progress, transient=False) as progress, \
            incomplete_load(plan.name, lambda: progress.tasks[0].completed, total):
        task = progress.add_task(f"load {plan.name}", total=total)
        for step, text, rows, params in steps:
            progress.update(task, description=f"{plan.name}: {step}")
            created = 0
            for n, made in _write(graph, text, rows, batch_size, params):
                created += made
                progress.advance(task, n)
                if after_batch is not None:
                    after_batch(step, n)
            report.steps.append(StepResult(step, len(rows), created))
        if recorded is not None:  # a re-load: drop the KG the source no longer has (e.g. re-keyed links)
            report.pruned = prune_stale_kg(graph, plan, set(recorded.get("relation_types") or ()), batch_size)
        graph.run("load/record_dataset", name=plan.name, props=_record_props(plan) | {"status": "complete"})
    report.seconds = time.perf_counter() - start
    return report


def delete_dataset(graph: Graph, name: str) -> None:
    """Remove one dataset (relationships first, in small batches, then nodes and its record)."""
    graph.run("load/delete_dataset_rels", name=name)
    graph.run("load/delete_dataset_nodes", name=name)


def _steps(plan: LoadPlan, first_events: bool) -> Iterator[tuple[str, str, Sequence[dict[str, Any]], dict[str, Any]]]:
    for label in ("User", "Item", "Entity"):
        text = splice("load/merge_nodes", label=(label, NODE_LABELS))
        yield f"{label} nodes", text, plan.nodes[label], {}
    if first_events and plan.events:
        yield "INTERACTED (first load)", statement("load/create_events"), plan.events, {}
    else:
        yield from _merge_event_steps(plan)
    if plan.friends:
        yield "FRIEND", statement("load/merge_friends"), plan.friends, {"dataset": plan.name}
    for (head, rel, tail), rows in plan.triples.items():
        text = splice("load/merge_triples", head=(head, NODE_LABELS), tail=(tail, NODE_LABELS),
                      rel=(rel, plan.relation_types))
        params = {"relation": plan.relation_names[rel], "dataset": plan.name}
        yield f"{head}-{rel}->{tail}", text, rows, params


def _merge_event_steps(plan: LoadPlan) -> Iterator[tuple[str, str, Sequence[dict[str, Any]], dict[str, Any]]]:
    timed = [e for e in plan.events if e["ts"] is not None]
    untimed = [e for e in plan.events if e["ts"] is None]
    if timed:
        yield "INTERACTED (timed)", statement("load/merge_events_timed"), timed, {}
    if untimed:
        yield "INTERACTED (untimed)", statement("load/merge_events_untimed"), untimed, {}


def _write(graph: Graph, text: str, rows: Sequence[dict[str, Any]], batch_size: int,
           params: dict[str, Any]) -> Iterator[tuple[int, int]]:
    """One transaction per batch; yields (rows written, nodes + relationships created)."""
    for batch in graph.write_batches(text, rows, batch_size, **params):
        yield len(batch.rows), batch.counters.nodes_created + batch.counters.relationships_created


def _record_props(plan: LoadPlan) -> dict[str, Any]:
    counts = plan.counts()
    return {"source": plan.source,
            "checksum_files": sorted(plan.checksums), "checksums": [plan.checksums[f] for f in sorted(plan.checksums)],
            "relation_types": list(plan.relation_names), "relation_names": list(plan.relation_names.values()),
            "kg_signatures": ["|".join(sig) for sig in plan.triples],
            **{f"count_{k}": v for k, v in counts.items()}}
