"""`kgrec ingest-events FILE`: validate a CSV of new events completely, add them in one
transaction, then refresh the affected users' embeddings (fold-in) under the active version.

CSV columns (header required): ``user,item`` and optionally ``rating``, ``weight``,
``timestamp``, ``kind``. Ids are the dataset's external ids; items must already exist, unknown
users are created (cold-start users).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgrec.cypher import splice, statement
from kgrec.db import Graph
from kgrec.errors import InputError, KgrecError
from kgrec.serve import coldstart
from kgrec.serve.writeback import ModelVersion

REQUIRED = ("user", "item")
OPTIONAL = ("rating", "weight", "timestamp", "kind")
MAX_EVENTS = 1_000_000


@dataclass
class IngestResult:
    events: int
    users: int
    new_users: int
    refreshed: int
    version: str | None


def parse_events(path: Path, dataset: str) -> list[dict[str, Any]]:
    """Rows ready for ``serve/ingest_events``; raises InputError naming file and line."""
    if not path.is_file():
        raise KgrecError(f"{path}: no such file")
    rows: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(path, f"header must contain {', '.join(REQUIRED)} (missing {', '.join(missing)})", 1)
        unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
        if unknown:
            raise InputError(path, f"unknown column(s) {', '.join(unknown)}", 1)
        reader.fieldnames = header
        for line, raw in enumerate(reader, start=2):
            rows.append(_parse_row(path, line, raw, dataset))
            if len(rows) > MAX_EVENTS:
                raise InputError(path, f"more than {MAX_EVENTS} events; split the file", line)
    if not rows:
        raise InputError(path, "no events after the header", 2)
    return rows


def _parse_row(path: Path, line: int, raw: dict[str, str | None], dataset: str) -> dict[str, Any]:
    if None in raw:
        raise InputError(path, "more fields than header columns", line)
    values = {k: (v or "").strip() for k, v in raw.items()}
    for column in REQUIRED:
        if not values[column]:
            raise InputError(path, f"empty {column}", line, column)
    rating = _number(path, line, "rating", values.get("rating"))
    weight = _number(path, line, "weight", values.get("weight"))
    ts = _number(path, line, "timestamp", values.get("timestamp"))
    if ts is not None and (ts != int(ts) or ts < 0):
        raise InputError(path, f"timestamp {values['timestamp']!r} is not epoch seconds", line, "timestamp")
    return {"user": values["user"], "user_key": f"{dataset}:{values['user']}",
            "item_key": f"{dataset}:{values['item']}", "rating": rating,
            "weight": weight if weight is not None else (rating if rating is not None else 1.0),
            "ts": None if ts is None else int(ts),
            "kind": values.get("kind") or ("rating" if rating is not None else "event"), "line": line}


def _number(path: Path, line: int, column: str, value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError(path, f"{column} {value!r} is not a number", line, column) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(path, f"{column} {value!r} is not finite", line, column)
    return number


def check_items_exist(graph: Graph, path: Path, rows: list[dict[str, Any]]) -> None:
    keys = sorted({r["item_key"] for r in rows})
    missing = set(graph.query(splice("serve/missing_keys", label=("Item", {"Item"})), keys=keys)[0]["missing"])
    if missing:
        first = next(r for r in rows if r["item_key"] in missing)
        raise InputError(path, f"item {first['item_key']!r} is not in the graph", first["line"], "item")


def ingest_events(graph: Graph, path: Path, dataset: str, model: ModelVersion | None) -> IngestResult:
    rows = parse_events(path, dataset)
    check_items_exist(graph, path, rows)
    users = sorted({r["user_key"] for r in rows})
    existing = graph.query(statement("serve/existing_users"), keys=users)[0]["count"]
    text = statement("serve/ingest_events")
    payload = [{k: v for k, v in r.items() if k != "line"} for r in rows]
    with graph.session() as sess:  # one transaction: all events or none
        written = sess.execute_write(lambda tx: tx.run(text, rows=payload, dataset=dataset).single()[0])
    if written != len(rows):
        raise KgrecError(f"{path}: wrote {written} of {len(rows)} events (concurrent deletion?)")
    refreshed = coldstart.refresh_users(graph, model, users) if model else 0
    return IngestResult(len(rows), len(users), len(users) - existing, refreshed,
                        model.version if model else None)
