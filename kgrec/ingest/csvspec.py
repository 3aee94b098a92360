"""Users' own data: CSV files described by a small YAML mapping (see docs/LOADING.md, examples/csv/).

```yaml
dataset: bookshop
users:     {file: customers.csv, id: customer_id, properties: [age, country]}
items:     {file: books.csv, id: isbn, title: title, year: year, description: blurb,
            genres: {column: tags, separator: "|"}}
entities:  [{file: authors.csv, id: author_id, name: name}]
events:    [{file: purchases.csv, user: customer_id, item: isbn, kind: purchase,
             rating: stars, weight: quantity, timestamp: {column: bought_at, format: iso}}]
relations: [{file: book_authors.csv, head: {column: isbn, type: item},
             tail: {column: author_id, type: entity}, relation: written_by}]
friends:   [{file: follows.csv, user: follower, friend: followed}]
```

File paths are relative to the YAML file. Every section except ``events`` is optional.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from kgrec.errors import InputError
from kgrec.ingest.recbole import item_text, read_text
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where

SECTIONS = {"dataset", "users", "items", "entities", "events", "relations", "friends"}
ITEM_PREFIX = "item:"  # KG ids of items referenced by relations (the entity *is* the item node)


class Spec:
    """The parsed YAML with helpers that report errors against the spec file."""

    def __init__(self, path: Path) -> None:
        text, self.sha256 = read_text(path)
        self.path = path
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise InputError(str(path), f"invalid YAML: {getattr(exc, 'problem', exc)}",
                             None if line is None else line + 1) from None
        if not isinstance(data, dict):
            raise InputError(str(path), "expected a mapping with dataset, events, … at the top level")
        unknown = set(data) - SECTIONS
        if unknown:
            raise InputError(str(path), f"unknown section(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(sorted(SECTIONS))}")
        self.data = data

    def section(self, name: str) -> list[dict[str, Any]]:
        value = self.data.get(name) or []
        value = [value] if isinstance(value, dict) else value
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InputError(str(self.path), f"section {name!r} must be a mapping or a list of mappings")
        for entry in value:
            if "file" not in entry:
                raise InputError(str(self.path), f"section {name!r}: every entry needs a 'file'")
        return value

    def csv_rows(self, entry: dict[str, Any], raw: RawDataset) -> Iterator[tuple[Where, dict[str, str]]]:
        path = (self.path.parent / str(entry["file"])).resolve()
        text, digest = read_text(path)
        raw.checksums[path.name] = digest
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(reader, None)
            if not header:
                raise InputError(str(path), "empty file (expected a header row)")
            header = [h.strip() for h in header]
            for column in _columns_used(entry):
                if column not in header:
                    raise InputError(str(path), f"column {column!r} (from {self.path.name}) not in header "
                                     f"{', '.join(header)}", 1)
            count = 0
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    raise InputError(str(path), f"expected {len(header)} columns, found {len(values)}",
                                     reader.line_num)
                count += 1
                yield Where(str(path), reader.line_num), dict(zip(header, (v.strip() for v in values), strict=True))
        except csv.Error as exc:
            raise InputError(str(path), f"malformed CSV: {exc}", reader.line_num) from None
        if not count:
            raise InputError(str(path), "no data rows after the header")


def _columns_used(entry: dict[str, Any]) -> list[str]:
    out = []
    for key, value in entry.items():
        if key in ("file", "kind", "relation", "type", "format", "separator"):
            if isinstance(value, dict) and "column" in value:
                out.append(str(value["column"]))
            continue
        if isinstance(value, dict) and "column" in value:
            out.append(str(value["column"]))
        elif isinstance(value, list):
            out.extend(str(v) for v in value)
        elif isinstance(value, str):
            out.append(value)
    return out


def read_csv_spec(spec_path: Path, dataset: str | None = None) -> RawDataset:
    spec = Spec(Path(spec_path))
    raw = RawDataset(name=dataset or str(spec.data.get("dataset", "")), source=str(spec_path))
    raw.checksums[spec.path.name] = spec.sha256
    if not spec.section("events"):
        raise InputError(str(spec_path), "the mapping needs an 'events' section")
    for entry in spec.section("users"):
        raw.users_declared = True
        for where, row in spec.csv_rows(entry, raw):
            props = {p: _scalar(row[p]) for p in entry.get("properties", []) if row[p] != ""}
            if entry.get("text") and row[entry["text"]]:
                props["text"] = row[entry["text"]]
            raw.users.append(NodeRow(row[entry["id"]], props, where))
    for entry in spec.section("items"):
        raw.items_declared = True
        for where, row in spec.csv_rows(entry, raw):
            raw.items.append(NodeRow(row[entry["id"]], _item_props(entry, row, where), where))
    for entry in spec.section("entities"):
        for where, row in spec.csv_rows(entry, raw):
            props = {"name": row[entry["name"]]} if entry.get("name") else {}
            if entry.get("type"):
                props["type"] = str(entry["type"])
            raw.entities.append(NodeRow(row[entry["id"]], props, where))
    for entry in spec.section("events"):
        for where, row in spec.csv_rows(entry, raw):
            raw.events.append(_event(entry, row, where))
    _relations(spec, raw)
    for entry in spec.section("friends"):
        for where, row in spec.csv_rows(entry, raw):
            raw.friends.append(PairRow(row[entry["user"]], row[entry["friend"]], where))
    return raw


def _scalar(value: str) -> Any:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def _item_props(entry: dict[str, Any], row: dict[str, str], where: Where) -> dict[str, Any]:
    props: dict[str, Any] = {p: _scalar(row[p]) for p in entry.get("properties", []) if row[p] != ""}
    for field_name in ("title", "description"):
        if entry.get(field_name) and row[entry[field_name]]:
            props[field_name] = row[entry[field_name]]
    if entry.get("year") and row[entry["year"]]:
        props["year"] = int(_number(row[entry["year"]], where, entry["year"]))
    genres = entry.get("genres")
    if genres:
        column, sep = (genres["column"], genres.get("separator", "|")) if isinstance(genres, dict) else (genres, "|")
        props["genres"] = [g.strip() for g in row[column].split(sep) if g.strip()]
    props["text"] = item_text(props.get("title"), props.get("year"), props.get("genres"), props.get("description"))
    return props


def _number(value: str, where: Where, column: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(where.path, f"{value!r} is not a number", where.line, column) from None


def _timestamp(value: str, fmt: str, where: Where, column: str) -> int:
    if fmt == "epoch":
        return int(_number(value, where, column))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(where.path, f"{value!r} is not an ISO 8601 timestamp", where.line, column) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _event(entry: dict[str, Any], row: dict[str, str], where: Where) -> EventRow:
    rating = _number(row[entry["rating"]], where, entry["rating"]) if entry.get("rating") else None
    weight = _number(row[entry["weight"]], where, entry["weight"]) if entry.get("weight") else 1.0
    ts = None
    spec = entry.get("timestamp")
    if spec:
        column, fmt = (spec["column"], spec.get("format", "epoch")) if isinstance(spec, dict) else (spec, "epoch")
        if fmt not in ("epoch", "iso"):
            raise InputError(where.path, f"timestamp format {fmt!r} must be epoch or iso")
        ts = _timestamp(row[column], fmt, where, column)
    kind = str(entry.get("kind", "rating" if rating is not None else "interaction"))
    return EventRow(row[entry["user"]], row[entry["item"]], kind, rating, weight, ts, None, where)


def _relations(spec: Spec, raw: RawDataset) -> None:
    item_ids = {n.id for n in raw.items}
    linked: dict[str, None] = {}
    for entry in spec.section("relations"):
        for where, row in spec.csv_rows(entry, raw):
            ends = []
            for side in ("head", "tail"):
                side_spec = entry[side] if isinstance(entry[side], dict) else {"column": entry[side]}
                value, kind = row[side_spec["column"]], side_spec.get("type", "entity")
                if kind == "item":
                    if value not in item_ids:
                        raise InputError(where.path, f"relation references unknown item {value!r}",
                                         where.line, side_spec["column"])
                    linked[value] = None
                    value = ITEM_PREFIX + value
                ends.append(value)
            rel = entry.get("relation")
            name = row[rel["column"]] if isinstance(rel, dict) else str(rel or "")
            raw.triples.append(PairRow(ends[0], ends[1], where, name))
    raw.links.extend(PairRow(i, ITEM_PREFIX + i, Where(str(spec.path), 0)) for i in linked)
