"""RecBole atomic files (``<name>.inter/.item/.user/.kg/.link`` and pre-split ``.train/.valid/.test.inter``).

Each file starts with a typed header ``field:type`` (``token``, ``token_seq``, ``float``,
``float_seq``), tab-separated. Values are converted by type; a bad value names file, line and
column. See https://recbole.io/docs/user_guide/data/atomic_files.html.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgrec.errors import InputError
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from kgrec.numbers import is_number_literal, parse_epoch, parse_float, parse_property, parse_year, show

FIELD_TYPES = ("token", "token_seq", "float", "float_seq")
SPLITS = ("train", "valid", "test")


@dataclass
class AtomicFile:
    path: Path
    fields: list[str]
    types: list[str]
    rows: list[tuple[int, list[Any]]]   # (line number, typed values)
    sha256: str

    def column(self, *names: str, required: bool = True) -> int | None:
        """Index of the first field called one of ``names``."""
        for name in names:
            if name in self.fields:
                return self.fields.index(name)
        if required:
            raise InputError(str(self.path), f"missing column {' or '.join(names)!r} "
                             f"(header has {header_list(self.fields)})", 1)
        return None


def read_text(path: Path) -> tuple[str, str]:
    """The file's text (strict UTF-8, no NUL bytes, BOM dropped) and sha256; errors name the line."""
    path = Path(path)
    check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the file ({exc.strerror or type(exc).__name__})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(str(path), f"not valid UTF-8 (byte 0x{data[exc.start]:02x})", line) from None
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(str(path), "contains a NUL byte (a binary file?)", text.count("\n", 0, nul) + 1)
    return text.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest()


def check_file(path: Path) -> None:
    """Refuse anything but a regular file with one clear line (missing, link loop, folder, FIFO…)."""
    kind = path_kind(path)
    if kind != "file":
        raise InputError(str(path), FILE_PROBLEMS[kind])


def check_dir(path: Path) -> None:
    kind = path_kind(path)
    if kind != "dir":
        raise InputError(str(path), DIR_PROBLEMS.get(kind, FILE_PROBLEMS[kind]))


FILE_PROBLEMS = {"missing": "file not found", "loop": "symbolic link loop (too many levels of links)",
                 "dir": "is a directory, not a file", "other": "not a regular file (a FIFO, device or socket?)",
                 "denied": "permission denied", "unreachable": "cannot access the path"}
DIR_PROBLEMS = {"missing": "directory not found", "file": "is a file, not a directory",
                "other": "not a directory"}


def path_kind(path: Path) -> str:
    """'file', 'dir', 'missing' (also a dangling link), 'loop', 'denied' or 'other'."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "loop"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "denied"
        return "missing" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else "unreachable"
    except ValueError:  # embedded NUL in the path
        return "unreachable"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def split_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without CR/LF), skipping blank lines."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line


def parse_atomic(path: Path) -> AtomicFile:
    text, digest = read_text(path)
    lines = split_lines(text)
    first = next(lines, None)
    if first is None:
        raise InputError(str(path), "empty file (expected a header line such as user_id:token)")
    fields, types = _header(path, *first)
    rows = []
    for number, line in lines:
        values = line.split("\t")
        if len(values) != len(fields):
            raise InputError(str(path), f"expected {len(fields)} tab-separated columns, found {len(values)}",
                             number)
        rows.append((number, [_convert(path, number, f, t, v) for f, t, v in zip(fields, types, values, strict=True)]))
    if not rows:
        raise InputError(str(path), "no data rows after the header", first[0])
    return AtomicFile(path, fields, types, rows, digest)


def _header(path: Path, number: int, line: str) -> tuple[list[str], list[str]]:
    fields: list[str] = []
    types: list[str] = []
    for column, spec in enumerate(line.split("\t"), 1):
        name, sep, ftype = spec.strip().partition(":")
        if not sep or ftype not in FIELD_TYPES or not name:
            raise InputError(str(path), f"header field {show(spec)} must look like name:type with type one of "
                             f"{', '.join(FIELD_TYPES)}", number, str(column))
        if name in fields:
            raise InputError(str(path), f"header field {show(name)} appears twice", number, str(column))
        fields.append(name)
        types.append(ftype)
    return fields, types


def header_list(fields: list[str], limit: int = 12) -> str:
    """A header for an error message: at most ``limit`` names, each cut short."""
    shown = ", ".join(show(f, 30) for f in fields[:limit])
    return shown + (f", … ({len(fields)} columns)" if len(fields) > limit else "")


def _convert(path: Path, line: int, name: str, ftype: str, value: str) -> Any:
    """A typed value; every number goes through :mod:`kgrec.numbers` (finite, range-checked)."""
    value = value.strip()
    if ftype == "token":
        return value
    if ftype == "token_seq":
        return value.split()
    if ftype == "float_seq":
        return [parse_float(v, path=path, line=line, column=name) for v in value.split()]
    if not value:
        return None
    if name == "timestamp":
        return parse_epoch(value, path=path, line=line, column=name)
    return parse_float(value, path=path, line=line, column=name)


def read_dataset(directory: Path, name: str | None = None, dataset: str | None = None) -> RawDataset:
    """Read ``directory/<name>.*`` (``name`` defaults to the directory name) into a RawDataset."""
    directory = Path(directory)
    check_dir(directory)
    if name is not None and (not name.strip() or "/" in name or "\0" in name or name in (".", "..")):
        raise InputError(str(directory), f"--name {show(name)} must be a file stem inside the folder, "
                         "without '/'")
    name = name or directory.name or directory.resolve().name
    raw = RawDataset(name=dataset or _safe_name(name), source=str(directory))
    path = directory / f"{name}"
    split_files = [Path(f"{path}.{s}.inter") for s in SPLITS]
    inter_files = [(p, s) for p, s in zip(split_files, SPLITS, strict=True) if os.path.lexists(p)]
    if not inter_files:
        inter_files = [(Path(f"{path}.inter"), None)]
    for suffix, reader in ((".user", _users), (".item", _items)):
        file = Path(f"{path}{suffix}")
        if os.path.lexists(file):
            reader(parse_atomic(file), raw)
    for file, split in inter_files:
        _events(parse_atomic(file), raw, split)
    link, kg = Path(f"{path}.link"), Path(f"{path}.kg")
    if os.path.lexists(link):
        _links(parse_atomic(link), raw)
    if os.path.lexists(kg):
        _triples(parse_atomic(kg), raw)
    return raw


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_") or "dataset"


def _record(raw: RawDataset, atomic: AtomicFile) -> None:
    raw.checksums[atomic.path.name] = atomic.sha256


def _users(atomic: AtomicFile, raw: RawDataset) -> None:
    _record(raw, atomic)
    uid = atomic.column("user_id")
    profile = {"age": "age", "gender": "gender", "occupation": "occupation", "zip_code": "zip", "zip": "zip"}
    for line, values in atomic.rows:
        props: dict[str, Any] = {}
        for i, field_name in enumerate(atomic.fields):
            if i != uid and field_name in profile and values[i] not in ("", None):
                value = values[i]
                if field_name == "age" and isinstance(value, str):
                    value = parse_property(value, path=atomic.path, line=line, column=field_name)
                props[profile[field_name]] = value
        if props:
            props["text"] = ", ".join(f"{k} {v}" for k, v in props.items())
        raw.users.append(NodeRow(values[uid], props, Where(str(atomic.path), line)))
    raw.users_declared = True


def _items(atomic: AtomicFile, raw: RawDataset) -> None:
    _record(raw, atomic)
    iid = atomic.column("item_id")
    title = atomic.column("movie_title", "title", "name", "item_name", required=False)
    year = atomic.column("release_year", "year", required=False)
    genres = atomic.column("class", "genre", "genres", "categories", required=False)
    description = atomic.column("description", "desc", required=False)
    for line, values in atomic.rows:
        props: dict[str, Any] = {}
        if title is not None:
            props["title"] = _text(values[title])
        if year is not None and values[year] not in ("", None):
            props["year"] = _year(values[year], atomic, line, atomic.fields[year])
        if genres is not None:
            props["genres"] = values[genres] if isinstance(values[genres], list) else [values[genres]]
        if description is not None:
            props["description"] = _text(values[description])
        props["text"] = item_text(props.get("title"), props.get("year"), props.get("genres"),
                                  props.get("description"))
        raw.items.append(NodeRow(values[iid], props, Where(str(atomic.path), line)))
    raw.items_declared = True


def _year(value: Any, atomic: AtomicFile, line: int, column: str) -> int | str:
    """A number must be a year 1..9999; a non-numeric token (ml-100k has 'unkonwn') stays text."""
    if isinstance(value, list):
        value = " ".join(value)
    if isinstance(value, str) and not is_number_literal(value):
        return value
    return parse_year(value, path=atomic.path, line=line, column=column)


def _text(value: Any) -> str:
    return " ".join(value) if isinstance(value, list) else str(value)


def item_text(title: str | None, year: Any = None, genres: list[str] | None = None,
              description: str | None = None) -> str | None:
    """What the encoder reads: ``Toy Story (1995). Genres: Animation, Children's, Comedy.``"""
    parts = []
    if title:
        parts.append(f"{title} ({year})" if year not in (None, "") else title)
    if genres:
        parts.append("Genres: " + ", ".join(genres))
    if description:
        parts.append(description)
    if not parts:
        return None
    text = ". ".join(p.rstrip(".") for p in parts[:-1]) + (". " if len(parts) > 1 else "") + parts[-1]
    return text if text.endswith((".", "!", "?")) else text + "."


def _events(atomic: AtomicFile, raw: RawDataset, split: str | None) -> None:
    _record(raw, atomic)
    uid, iid = atomic.column("user_id"), atomic.column("item_id")
    rating = atomic.column("rating", required=False)
    weight = atomic.column("weight", "label", "count", required=False)
    ts = atomic.column("timestamp", required=False)
    for line, values in atomic.rows:
        r = values[rating] if rating is not None else None
        w = values[weight] if weight is not None else None
        t = values[ts] if ts is not None else None
        where = Where(str(atomic.path), line)
        for col, value in (("rating", r), ("weight", w), ("timestamp", t)):
            if value is not None and not isinstance(value, float | int):
                raise InputError(where.path, f"column {col} must be declared :float", line, col)
        if w is not None:
            w = parse_float(w, path=where.path, line=line, column=atomic.fields[weight], minimum=0.0)
        raw.events.append(EventRow(values[uid], values[iid], "rating" if r is not None else "interaction",
                                   r, w if w is not None else 1.0, t, split, where))


def _links(atomic: AtomicFile, raw: RawDataset) -> None:
    _record(raw, atomic)
    iid, eid = atomic.column("item_id"), atomic.column("entity_id")
    raw.links.extend(PairRow(v[iid], v[eid], Where(str(atomic.path), line)) for line, v in atomic.rows)


def _triples(atomic: AtomicFile, raw: RawDataset) -> None:
    _record(raw, atomic)
    h, r, t = atomic.column("head_id"), atomic.column("relation_id"), atomic.column("tail_id")
    raw.triples.extend(PairRow(v[h], v[t], Where(str(atomic.path), line), v[r]) for line, v in atomic.rows)
