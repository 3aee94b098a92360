"""`kgrec ingest-events FILE`: validate a CSV of new events completely, then append them and refresh the
affected users' embeddings (fold-in) under the active version, all in ONE transaction.

CSV columns (header required): ``user,item`` and optionally ``rating``, ``weight``, ``timestamp``,
``kind``, ``event_id``. Ids are the dataset's external ids; items must already exist, unknown users are
created (cold-start users).

Event history is append-only. An event's identity is ``(user, item, kind, timestamp)`` -- the same key
the loader MERGEs on (``cypher/load/merge_events_*``) -- or ``(user, event_id)`` when the file has an
``event_id`` column. A new event for an existing (user, item) pair is a second relationship; an event
whose identity is already recorded is "already present" (written once, idempotent) when its values agree
and refused (nothing written) when its rating or weight differ. Duplicate rows in one file count once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import numpy as np

from kgrec import numbers
from kgrec.cypher import splice, statement
from kgrec.db import Graph
from kgrec.errors import InputError, KgrecError
from kgrec.keys import node_key
from kgrec.serve import coldstart
from kgrec.serve.vectors import augment_queries
from kgrec.serve.versions import ModelVersion, read_item_vectors

REQUIRED = ("user", "item")
OPTIONAL = ("rating", "weight", "timestamp", "kind", "event_id")
MAX_EVENTS = 1_000_000
VALUES = ("rating", "weight")


@dataclass
class IngestResult:
    rows: int           # data rows in the file
    events: int         # distinct events (duplicate rows counted once)
    created: int        # events written now
    present: int        # events already recorded (identical)
    users: int
    new_users: int
    refreshed: int
    version: str | None


# -- parsing --------------------------------------------------------------------------------------
def parse_events(path: Path, dataset: str) -> tuple[list[dict[str, Any]], int]:
    """(distinct event rows ready for ``serve/ingest_events``, data rows read); InputError names file and line."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        _check_header(path, header)
        events: dict[tuple, dict[str, Any]] = {}
        count, last = 0, reader.line_num
        for record in reader:
            line, last = last + 1, reader.line_num  # first physical line of this record
            if not record or record == [""]:
                continue
            row = _parse_row(path, line, header, record, dataset)
            count += 1
            _add_unique(path, events, row)
            if count > MAX_EVENTS:
                raise InputError(path, f"more than {MAX_EVENTS:,} events; split the file", line)
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV: {exc}", reader.line_num) from None
    if not events:
        raise InputError(path, "no events after the header", 2)
    return list(events.values()), count


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise KgrecError(f"{path}: no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KgrecError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start})", line) from None


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, f"header must contain {', '.join(REQUIRED)} (missing {', '.join(missing)})", 1)
    unknown = [numbers.show(c) for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise InputError(path, f"unknown column(s) {', '.join(unknown)}", 1)
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise InputError(path, f"column(s) {', '.join(repeated)} appear more than once", 1)


def _parse_row(path: Path, line: int, header: list[str], record: list[str], dataset: str) -> dict[str, Any]:
    if len(record) > len(header):
        raise InputError(path, f"{len(record)} fields but the header has {len(header)} columns", line)
    values = {c: (record[n].strip() if n < len(record) else "") for n, c in enumerate(header)}
    for column in REQUIRED:
        if not values[column]:
            raise InputError(path, f"empty {column}", line, column)
    given = {c: values.get(c, "") for c in ("rating", "weight", "timestamp")}
    rating = numbers.parse_float(given["rating"], path=path, line=line, column="rating") if given["rating"] else None
    weight = numbers.parse_float(given["weight"], path=path, line=line, column="weight") if given["weight"] else None
    ts = numbers.parse_epoch(given["timestamp"], path=path, line=line) if given["timestamp"] else None
    return {"user": values["user"], "user_key": node_key(dataset, values["user"]),
            "item_key": node_key(dataset, values["item"]), "rating": rating,
            "weight": weight if weight is not None else (rating if rating is not None else 1.0),
            "weight_given": weight is not None, "ts": ts,
            "kind": values.get("kind") or ("rating" if rating is not None else "event"),
            "event_id": values.get("event_id") or None, "line": line}


def identity(row: dict[str, Any]) -> tuple:
    """The event's identity: (user, event_id) when it has one, else (user, item, kind, ts)."""
    if row["event_id"] is not None:
        return ("id", row["user_key"], row["event_id"])
    return ("event", row["user_key"], row["item_key"], row["kind"], row["ts"])


def _add_unique(path: Path, events: dict[tuple, dict[str, Any]], row: dict[str, Any]) -> None:
    key = identity(row)
    first = events.get(key)
    if first is None:
        events[key] = row
        return
    if first["item_key"] != row["item_key"] or any(first[v] != row[v] for v in VALUES):
        raise InputError(path, f"the same event as line {first['line']} (same identity) with different "
                         "item, rating or weight", row["line"])


# -- writing --------------------------------------------------------------------------------------
def check_items_exist(graph: Graph, path: Path, rows: list[dict[str, Any]]) -> None:
    keys = sorted({r["item_key"] for r in rows})
    missing = set(graph.query(splice("serve/missing_keys", label=("Item", {"Item"})), keys=keys)[0]["missing"])
    if missing:
        first = next(r for r in rows if r["item_key"] in missing)
        raise InputError(path, f"item {numbers.show(first['item_key'])} is not in the graph", first["line"], "item")


def ingest_events(graph: Graph, path: Path, dataset: str, model: ModelVersion | None) -> IngestResult:
    """Validate ``path`` completely, then append its new events and refresh the users' vectors in one
    transaction: either all of it is committed or nothing (a refused vector rolls the events back too)."""
    rows, count = parse_events(path, dataset)
    check_items_exist(graph, path, rows)
    users = sorted({r["user_key"] for r in rows})
    existing = graph.query(statement("serve/existing_users"), keys=users)[0]["count"]
    items = _item_vectors(graph, model) if model else None

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int]:
        _refuse_conflicts(tx, path, rows)
        payload = [{k: v for k, v in r.items() if k not in ("line", "weight_given")} for r in rows]
        record = tx.run(statement("serve/ingest_events"), rows=payload, dataset=dataset).single()
        if record["rows"] != len(rows):
            raise KgrecError(f"{path}: {len(rows) - record['rows']} item(s) vanished during the ingest; "
                             "nothing was written", hint="re-run the command")
        refreshed = _refresh_in_tx(tx, model, items, users) if model and items else 0
        return record["created"], refreshed

    created, refreshed = graph.write(work)
    return IngestResult(count, len(rows), created, len(rows) - created, len(users), len(users) - existing,
                        refreshed, model.version if model else None)


def _item_vectors(graph: Graph, model: ModelVersion) -> tuple[dict[str, int], np.ndarray]:
    index, vectors = read_item_vectors(graph, model)
    if not len(vectors):
        raise KgrecError(f"model version {model.version} has no item vectors")
    return index, vectors


def _refuse_conflicts(tx: neo4j.ManagedTransaction, path: Path, rows: list[dict[str, Any]]) -> None:
    """An event already recorded under the same identity with other values: refuse, name the line."""
    params = [{"user_key": r["user_key"], "item_key": r["item_key"], "kind": r["kind"], "ts": r["ts"],
               "event_id": r["event_id"], "rating": r["rating"], "weight": r["weight"] if r["weight_given"] else None,
               "line": r["line"]} for r in rows]
    found = tx.run(statement("serve/ingest_conflicts"), rows=params).single()
    if found is not None:
        raise InputError(path, f"this event is already recorded with item {numbers.show(found['item'])}, "
                         f"rating {found['rating']}, weight {found['weight']}; event history is append-only "
                         "(give the new event its own timestamp or event_id)", found["line"])


def _refresh_in_tx(tx: neo4j.ManagedTransaction, model: ModelVersion,
                   items: tuple[dict[str, int], np.ndarray], users: list[str]) -> int:
    """Fold in ``users`` from their items as seen inside this transaction; refuse non-finite vectors."""
    index, item_vectors = items
    keys, positives, weights = [], [], []
    for row in tx.run(statement("serve/user_items"), keys=users):
        pairs = [(index[k], w) for k, w in zip(row["items"], row["weights"], strict=True) if k in index]
        if pairs:
            keys.append(row["key"])
            positives.append(np.array([p[0] for p in pairs]))
            weights.append(np.array([p[1] for p in pairs], np.float64))
    if not keys:
        return 0
    try:
        vectors = augment_queries(coldstart.fold_in(item_vectors, positives, weights))
    except np.linalg.LinAlgError as exc:
        raise KgrecError(f"the embedding refresh failed ({exc}); nothing was written") from None
    if not np.isfinite(vectors).all():
        bad = keys[int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])]
        raise KgrecError(f"the refreshed embedding of user {numbers.show(bad)} is not finite; nothing was written",
                         hint="check the user's ratings and weights")
    text = splice("serve/write_vectors", label=("User", {"User"}))
    rows = [{"key": k, "vec": v} for k, v in zip(keys, vectors.tolist(), strict=True)]
    written = tx.run(text, rows=rows, property=model.property).single()["written"]
    return int(written)
