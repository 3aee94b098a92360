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

File paths are relative to the YAML file and must stay inside its folder. Every section except
``events`` is optional. The mapping is checked completely (types, required and unknown keys) before
any CSV file is opened; every error names the spec or CSV file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from kgrec.cypher import SAFE_IDENTIFIER
from kgrec.errors import InputError
from kgrec.ingest.recbole import header_list, item_text, read_text
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from kgrec.numbers import check_epoch_range, parse_epoch, parse_float, parse_property, parse_year, show

SECTIONS = ("dataset", "users", "items", "entities", "events", "relations", "friends")
ITEM_PREFIX = "item:"  # KG ids of items referenced by relations (the entity *is* the item node)
MAX_SPEC_BYTES = 1 << 20
MAX_YAML_NODES = 100_000

# Per section: key -> kind. "column": a column name; "columns": a list of them; "const": a fixed text;
# "genres" / "timestamp" / "end" / "relation": a column name or a small mapping (normalised below).
KEYS: dict[str, dict[str, str]] = {
    "users": {"file": "file", "id": "column", "properties": "columns", "text": "column"},
    "items": {"file": "file", "id": "column", "properties": "columns", "title": "column", "year": "column",
              "description": "column", "genres": "genres"},
    "entities": {"file": "file", "id": "column", "name": "column", "type": "const"},
    "events": {"file": "file", "user": "column", "item": "column", "kind": "const", "rating": "column",
               "weight": "column", "timestamp": "timestamp"},
    "relations": {"file": "file", "head": "end", "tail": "end", "relation": "relation"},
    "friends": {"file": "file", "user": "column", "friend": "column"},
}
REQUIRED = {"users": ("file", "id"), "items": ("file", "id"), "entities": ("file", "id"),
            "events": ("file", "user", "item"), "relations": ("file", "head", "tail", "relation"),
            "friends": ("file", "user", "friend")}
SUB_KEYS = {"genres": {"column": "column", "separator": "const"}, "timestamp": {"column": "column", "format": "const"},
            "end": {"column": "column", "type": "const"}, "relation": {"column": "column"}}
CHOICES = {("timestamp", "format"): ("epoch", "iso"), ("end", "type"): ("item", "entity")}


@dataclass(frozen=True)
class Entry:
    """One normalised section entry: the CSV path (confined to the spec folder) and checked options."""

    section: str
    index: int
    path: Path
    options: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def columns(self) -> list[str]:
        """Every column of the CSV this entry reads."""
        out: list[str] = []
        for key, value in self.options.items():
            if key in ("kind", "type"):
                continue
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(value)
            elif isinstance(value, dict) and "column" in value:
                out.append(value["column"])
        return out


class Spec:
    """The parsed YAML with the line of every key, so errors name the spec file and line."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        text, self.sha256 = read_text(self.path)
        if len(text) > MAX_SPEC_BYTES:
            raise InputError(str(self.path), f"the mapping is larger than {MAX_SPEC_BYTES:,} bytes")
        self.lines: dict[tuple[Any, ...], int] = {}
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _node_lines(node, (), self.lines, self.path, set())
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or type(exc).__name__
            raise InputError(str(self.path), f"invalid YAML: {problem}",
                             None if mark is None else mark.line + 1) from None
        except RecursionError:
            raise InputError(str(self.path), "invalid YAML: nested too deeply") from None
        finally:
            loader.dispose()
        if not isinstance(data, dict):
            raise InputError(str(self.path), "expected a mapping with dataset, events, … at the top level",
                             self.line(()))
        for key in data:
            if key not in SECTIONS:
                raise InputError(str(self.path), f"unknown section {show(key)}; expected one of "
                                 f"{', '.join(SECTIONS)}", self.line((str(key),)))
        self.data = data
        self.folder = self.path.parent.resolve()

    def line(self, key_path: tuple[Any, ...]) -> int | None:
        """The line of ``key_path`` in the YAML, or of its nearest ancestor that has one."""
        for end in range(len(key_path), -1, -1):
            if key_path[:end] in self.lines:
                return self.lines[key_path[:end]]
        return None

    def fail(self, key_path: tuple[Any, ...], message: str) -> InputError:
        return InputError(str(self.path), message, self.line(key_path))

    def dataset(self, override: str | None) -> str:
        if override is not None:
            return override
        if "dataset" not in self.data:
            return ""
        value = self.data["dataset"]
        if not isinstance(value, str) or not SAFE_IDENTIFIER.fullmatch(value):
            raise self.fail(("dataset",), f"'dataset' must be a name such as bookshop (letters, digits, _; "
                            f"starting with a letter), not {_type_name(value)}")
        return value

    def section(self, name: str) -> list[Entry]:
        value = self.data.get(name)
        if value is None:
            if name in self.data:
                raise self.fail((name,), f"section {name!r} is empty (remove it or give it a mapping)")
            return []
        entries = [value] if isinstance(value, dict) else value
        if not isinstance(entries, list) or not entries or not all(isinstance(v, dict) for v in entries):
            raise self.fail((name,), f"section {name!r} must be a mapping or a non-empty list of mappings")
        at = (lambda i: (name,)) if isinstance(value, dict) else (lambda i: (name, i))
        return [self._entry(name, i, entry, at(i)) for i, entry in enumerate(entries)]

    def _entry(self, section: str, index: int, entry: dict[Any, Any], at: tuple[Any, ...]) -> Entry:
        known = KEYS[section]
        for key in entry:
            if key not in known:
                raise self.fail((*at, str(key)), f"section {section!r}: unknown key {show(key)}; "
                                f"known keys: {', '.join(known)}")
        for key in REQUIRED[section]:
            if entry.get(key) is None:
                raise self.fail((*at, key), f"section {section!r}: every entry needs {key!r}")
        options: dict[str, Any] = {}
        for key, value in entry.items():
            if value is None:
                continue
            if key != "file":
                options[key] = self._option(known[key], value, (*at, key), f"{section}.{key}")
        return Entry(section, index, self._confined(entry["file"], (*at, "file")), options)

    def _option(self, kind: str, value: Any, at: tuple[Any, ...], label: str) -> Any:
        if kind == "column":
            return self._column(value, at, label)
        if kind == "const":
            if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
                raise self.fail(at, f"{label} must be a text value, not {_type_name(value)}")
            return str(value)
        if kind == "columns":
            if not isinstance(value, list):
                raise self.fail(at, f"{label} must be a list of column names, not {_type_name(value)}")
            return [self._column(v, (*at, i), label) for i, v in enumerate(value)]
        return self._mapping(kind, value, at, label)

    def _mapping(self, kind: str, value: Any, at: tuple[Any, ...], label: str) -> dict[str, str]:
        """genres / timestamp / end / relation: a name or {column: …, …}, normalised to a dict."""
        if not isinstance(value, dict):
            if kind == "relation":  # a constant relation name
                return {"name": self._option("const", value, at, label)}
            value = {"column": value}
        known = SUB_KEYS[kind]
        for key in value:
            if key not in known:
                raise self.fail((*at, str(key)), f"{label}: unknown key {show(key)}; known keys: {', '.join(known)}")
        if value.get("column") is None:
            raise self.fail(at, f"{label} needs a 'column'")
        out = {key: self._option(known[key], v, (*at, key), f"{label}.{key}") for key, v in value.items()}
        for key, allowed in ((k, c) for (m, k), c in CHOICES.items() if m == kind):
            if key in out and out[key] not in allowed:
                raise self.fail((*at, key), f"{label}.{key} must be {' or '.join(allowed)}, not {show(out[key])}")
        if kind == "genres":
            out.setdefault("separator", "|")
        return out

    def _column(self, value: Any, at: tuple[Any, ...], label: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise self.fail(at, f"{label} must be a column name, not {_type_name(value)}")
        return str(value).strip()

    def _confined(self, value: Any, at: tuple[Any, ...]) -> Path:
        """The CSV path: relative, and inside the spec's folder after following links."""
        if not isinstance(value, str) or not value.strip() or "\0" in value:
            raise self.fail(at, f"'file' must be a path relative to the mapping, not {_type_name(value)}")
        relative = Path(value)
        if relative.is_absolute():
            raise self.fail(at, f"file {show(value)} must be relative to the mapping's folder")
        try:
            resolved = (self.folder / relative).resolve()
        except (OSError, RuntimeError):
            raise self.fail(at, f"file {show(value)}: symbolic link loop") from None
        if not resolved.is_relative_to(self.folder):
            raise self.fail(at, f"file {show(value)} is outside the mapping's folder {self.folder}")
        return resolved

    def csv_rows(self, entry: Entry, raw: RawDataset) -> Iterator[tuple[Where, dict[str, str]]]:
        text, digest = read_text(entry.path)
        raw.checksums[entry.path.name] = digest
        yield from _csv_rows(entry, text, self.path.name)


def _csv_rows(entry: Entry, text: str, spec_name: str) -> Iterator[tuple[Where, dict[str, str]]]:
    path = str(entry.path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header: list[str] = []
        while not header:
            start = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                raise InputError(path, "empty file (expected a header row)")
            header = row if any(v.strip() for v in row) else []
        header, header_line = [h.strip() for h in header], start
        _check_header(entry, header, path, header_line, spec_name)
        count = 0
        while True:
            start = reader.line_num + 1
            values = next(reader, None)
            if values is None:
                break
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InputError(path, f"expected {len(header)} columns, found {len(values)}", start)
            count += 1
            yield Where(path, start), dict(zip(header, (v.strip() for v in values), strict=True))
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV: {exc}", start) from None
    if not count:
        raise InputError(path, "no data rows after the header", header_line)


def _check_header(entry: Entry, header: list[str], path: str, line: int, spec_name: str) -> None:
    seen: set[str] = set()
    for column, name in enumerate(header, 1):
        if name in seen and name in entry.columns():
            raise InputError(path, f"column {show(name)} appears twice in the header", line, str(column))
        seen.add(name)
    for column in entry.columns():
        if column not in seen:
            raise InputError(path, f"column {show(column)} (from {spec_name}) not in header {header_list(header)}",
                             line)


def _type_name(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, str):
        return f"{show(value)}" if value.strip() else "empty"
    return {bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def read_csv_spec(spec_path: Path, dataset: str | None = None) -> RawDataset:
    """Check the mapping, then read every CSV it names into a :class:`RawDataset` (not yet validated)."""
    spec = Spec(Path(spec_path))
    sections = {name: spec.section(name) for name in SECTIONS if name != "dataset"}
    raw = RawDataset(name=spec.dataset(dataset), source=str(spec_path))
    raw.checksums[spec.path.name] = spec.sha256
    if not sections["events"]:
        raise InputError(str(spec_path), "the mapping needs an 'events' section")
    for entry in sections["users"]:
        raw.users_declared = True
        for where, row in spec.csv_rows(entry, raw):
            props = _properties(entry, row, where)
            if entry.get("text") and row[entry.get("text")]:
                props["text"] = row[entry.get("text")]
            raw.users.append(NodeRow(row[entry.get("id")], props, where))
    for entry in sections["items"]:
        raw.items_declared = True
        for where, row in spec.csv_rows(entry, raw):
            raw.items.append(NodeRow(row[entry.get("id")], _item_props(entry, row, where), where))
    for entry in sections["entities"]:
        for where, row in spec.csv_rows(entry, raw):
            props = {"name": row[entry.get("name")]} if entry.get("name") else {}
            if entry.get("type"):
                props["type"] = entry.get("type")
            raw.entities.append(NodeRow(row[entry.get("id")], props, where))
    for entry in sections["events"]:
        for where, row in spec.csv_rows(entry, raw):
            raw.events.append(_event(entry, row, where))
    _relations(spec, sections["relations"], raw)
    for entry in sections["friends"]:
        for where, row in spec.csv_rows(entry, raw):
            raw.friends.append(PairRow(row[entry.get("user")], row[entry.get("friend")], where))
    return raw


def _properties(entry: Entry, row: dict[str, str], where: Where) -> dict[str, Any]:
    return {p: parse_property(row[p], path=where.path, line=where.line, column=p)
            for p in entry.get("properties", []) if row[p] != ""}


def _item_props(entry: Entry, row: dict[str, str], where: Where) -> dict[str, Any]:
    props = _properties(entry, row, where)
    for field_name in ("title", "description"):
        if entry.get(field_name) and row[entry.get(field_name)]:
            props[field_name] = row[entry.get(field_name)]
    year = entry.get("year")
    if year and row[year]:
        props["year"] = parse_year(row[year], path=where.path, line=where.line, column=year)
    genres = entry.get("genres")
    if genres:
        props["genres"] = [g.strip() for g in row[genres["column"]].split(genres["separator"]) if g.strip()]
    props["text"] = item_text(props.get("title"), props.get("year"), props.get("genres"), props.get("description"))
    return props


def _timestamp(value: str, fmt: str, where: Where, column: str) -> int:
    if fmt == "epoch":
        return parse_epoch(value, path=where.path, line=where.line, column=column)
    try:
        if not value.isascii():
            raise ValueError(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(where.path, f"{show(value)} is not an ISO 8601 timestamp", where.line, column) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        seconds = int(parsed.timestamp())
    except (OverflowError, ValueError, OSError):
        seconds = -1
    return check_epoch_range(seconds, value, path=where.path, line=where.line, column=column)


def _event(entry: Entry, row: dict[str, str], where: Where) -> EventRow:
    rating_col, weight_col = entry.get("rating"), entry.get("weight")
    rating = parse_float(row[rating_col], path=where.path, line=where.line, column=rating_col) if rating_col else None
    weight = (parse_float(row[weight_col], path=where.path, line=where.line, column=weight_col, minimum=0.0)
              if weight_col else 1.0)
    ts = None
    spec = entry.get("timestamp")
    if spec:
        ts = _timestamp(row[spec["column"]], spec.get("format", "epoch"), where, spec["column"])
    kind = entry.get("kind", "rating" if rating is not None else "interaction")
    return EventRow(row[entry.get("user")], row[entry.get("item")], kind, rating, weight, ts, None, where)


def _relations(spec: Spec, entries: list[Entry], raw: RawDataset) -> None:
    item_ids = {n.id for n in raw.items}
    linked: dict[str, None] = {}
    for entry in entries:
        for where, row in spec.csv_rows(entry, raw):
            ends = []
            for side in ("head", "tail"):
                side_spec = entry.get(side)
                value, kind = row[side_spec["column"]], side_spec.get("type", "entity")
                if kind == "item":
                    if value not in item_ids:
                        raise InputError(where.path, f"relation references unknown item {show(value)}",
                                         where.line, side_spec["column"])
                    linked[value] = None
                    value = ITEM_PREFIX + value
                ends.append(value)
            rel = entry.get("relation")
            name = row[rel["column"]] if "column" in rel else rel["name"]
            raw.triples.append(PairRow(ends[0], ends[1], where, name))
    raw.links.extend(PairRow(i, ITEM_PREFIX + i, Where(str(spec.path), 0)) for i in linked)


def _node_lines(node: yaml.Node, at: tuple[Any, ...], out: dict[tuple[Any, ...], int], path: Path,
                seen_nodes: set[int]) -> None:
    """Record the 1-based line of every key path; refuse duplicate keys (an alias is visited once)."""
    if id(node) in seen_nodes:
        return
    seen_nodes.add(id(node))
    if len(seen_nodes) > MAX_YAML_NODES:
        raise InputError(str(path), f"the mapping has more than {MAX_YAML_NODES:,} YAML nodes")
    out.setdefault(at, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else repr(key.value)
            if name in seen and name != "<<":
                raise InputError(str(path), f"key {show(name)} appears twice", key.start_mark.line + 1)
            seen.add(name)
            out.setdefault((*at, name), key.start_mark.line + 1)
            _node_lines(value, (*at, name), out, path, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _node_lines(value, (*at, i), out, path, seen_nodes)
