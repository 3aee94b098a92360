"""Bulk first load: a validated :class:`LoadPlan` written as Neo4j's importer CSV files and imported offline.

``kgrec load … --bulk`` (:meth:`kgrec.api.Kgrec.load` with ``bulk=True``) is for the first load of a large
dataset into an empty database of the managed local server. It produces the same graph as the MERGE path
(:mod:`kgrec.ingest.loader`) — same labels, relationship types, property names, types and values — by
``neo4j-admin database import full``, which writes the store files directly:

1. refuse, before touching anything, a non-managed server (NEO4J_URI) or a database that holds any node
   other than migration records (:func:`check_target`);
2. write the importer's CSV files from the plan while the server still runs (:func:`write_import_files`);
3. stop the server, move the (empty) store aside, run the importer, start the server again;
4. apply the migrations (constraints, indexes), write node properties the importer's CSV cannot express
   (empty lists, lists with empty strings, odd property names) with the MERGE path's own statement, and
   write the ``(:KgrecDataset)`` record exactly as :func:`~kgrec.ingest.loader.load_plan` does.

If the importer fails, the store that was moved aside is put back and the server started again: the
database is as before, and the error names the importer's log.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kgrec import migrations, server
from kgrec.cypher import splice
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.ingest.loader import DEFAULT_BATCH, LoadReport, StepResult, _record_props
from kgrec.ingest.validate import NODE_LABELS, LoadPlan
from kgrec.settings import Settings

REMOTE = ("bulk import needs the managed local server's files; use `kgrec load` without --bulk")
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SCALAR_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}
ARRAY_DELIMITERS = (";", "|", "\x1f")
EVENT_FIELDS = ("kind", "ts", "rating", "weight", "split")
Say = Callable[[str], None]


@dataclass
class ImportFiles:
    """The CSV files of one import and how to read them."""

    directory: Path
    nodes: list[tuple[str, str]] = field(default_factory=list)          # (label, file name)
    relationships: list[tuple[str, str]] = field(default_factory=list)  # (type, file name)
    array_delimiter: str = ";"
    multiline: bool = False                 # a quoted value holds a line break (the importer must be told)
    fixups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # label -> rows for merge_nodes
    node_count: int = 0
    relationship_count: int = 0

    def arguments(self) -> list[str]:
        """The importer's options; file names are relative to :attr:`directory` (its working directory),
        so no character of the home path is read as a regular expression or a list separator."""
        return ([f"--nodes={label}={name}" for label, name in self.nodes]
                + [f"--relationships={rtype}={name}" for rtype, name in self.relationships]
                + [f"--array-delimiter={self.array_delimiter}", f"--multiline-fields={str(self.multiline).lower()}"])


@dataclass
class BulkReport(LoadReport):
    """A :class:`LoadReport` (every row created) plus seconds per phase."""

    phases: dict[str, float] = field(default_factory=dict)


# -- refusals ------------------------------------------------------------------------------------------------
def check_target(settings: Settings) -> None:
    """Refuse a server kgrec does not manage, or a database holding anything but migration records."""
    if not settings.managed:
        raise KgrecError(REMOTE, hint="--bulk rewrites the store files of the managed server (no NEO4J_URI)")
    with Graph(settings) as graph:
        check_empty(graph)


def check_empty(graph: Graph) -> None:
    row = graph.run("load/bulk_contents")[0]
    if row["found"]:
        names = ", ".join(row["datasets"][:5]) or "no dataset record"
        raise KgrecError(f"bulk import needs an empty database; this one already has nodes ({names})",
                         hint="use `kgrec load` without --bulk (it MERGEs into existing data), or bulk-load into "
                              "a new instance (KGREC_INSTANCE=<name> kgrec db install && … kgrec db start)")


# -- CSV files -----------------------------------------------------------------------------------------------
def value_type(value: Any, delimiter: str) -> str | None:
    """The importer's type for ``value`` (``string``, ``long``, ``double[]``, …), or None when its CSV cannot
    express the value exactly (empty list, mixed list, an empty string or the delimiter in a list)."""
    scalar = SCALAR_TYPES.get(type(value))
    if scalar is not None:
        return scalar if scalar != "long" or -2**63 <= value < 2**63 else None
    if not isinstance(value, list) or not value:
        return None
    types = {SCALAR_TYPES.get(type(v)) for v in value}
    if len(types) != 1 or None in types:
        return None
    element = types.pop()
    if element == "string" and any(v == "" or delimiter in v for v in value):
        return None
    if element == "long" and not all(-2**63 <= v < 2**63 for v in value):
        return None
    return element + "[]"


def cell(value: Any, kind: str, delimiter: str) -> Any:
    """``value`` as csv.writer (QUOTE_NONNUMERIC) should write it: strings quoted, numbers bare."""
    if kind == "boolean":
        return "true" if value else "false"
    if kind.endswith("[]"):
        if kind == "boolean[]":
            return delimiter.join("true" if v else "false" for v in value)
        return delimiter.join(v if isinstance(v, str) else repr(v) for v in value)
    return value


def array_delimiter(plan: LoadPlan) -> str:
    """The first of ``; | \\x1f`` that no string in any node's list property contains."""
    elements = {v for rows in plan.nodes.values() for row in rows for value in row["props"].values()
                if isinstance(value, list) for v in value if isinstance(v, str)}
    for candidate in ARRAY_DELIMITERS:
        if not any(candidate in v for v in elements):
            return candidate
    return ARRAY_DELIMITERS[0]      # such lists then go through merge_nodes (value_type says None)


class _Files:
    """One CSV file per (prefix, header): rows whose present properties differ go to different files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.open: dict[tuple[str, tuple[str, ...]], tuple[IO[str], Any, str]] = {}

    def writer(self, prefix: str, header: tuple[str, ...]) -> Any:
        found = self.open.get((prefix, header))
        if found is None:
            name = f"{prefix}_{sum(1 for p, _ in self.open if p == prefix)}.csv"
            handle = open(self.directory / name, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
            out = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            out.writerow(header)
            found = self.open[(prefix, header)] = (handle, out, name)
        return found[1]

    def names(self, prefix: str) -> list[str]:
        return [name for (p, _), (_, _, name) in self.open.items() if p == prefix]

    def close(self) -> None:
        for handle, _, _ in self.open.values():
            handle.close()


def write_import_files(plan: LoadPlan, directory: Path) -> ImportFiles:
    """Write the plan as the importer's node and relationship CSV files into ``directory`` (emptied first)."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    delimiter = array_delimiter(plan)
    out = ImportFiles(directory, array_delimiter=delimiter)
    files = _Files(directory)
    try:
        for label in ("User", "Item", "Entity"):
            prefix = f"nodes_{label}"
            fixups = _write_nodes(files, prefix, label, plan.nodes[label], delimiter, out)
            if fixups:
                out.fixups[label] = fixups
            out.nodes += [(label, name) for name in files.names(prefix)]
            out.node_count += len(plan.nodes[label])
        _write_events(files, plan.events, out)
        out.relationships += [("INTERACTED", name) for name in files.names("rels_INTERACTED")]
        if plan.friends:
            writer = files.writer("rels_FRIEND", (":START_ID(User)", ":END_ID(User)", "dataset:string"))
            writer.writerows((row["a"], row["b"], plan.name) for row in plan.friends)
            out.relationships += [("FRIEND", name) for name in files.names("rels_FRIEND")]
            out.relationship_count += len(plan.friends)
        for n, ((head, rel, tail), rows) in enumerate(plan.triples.items()):
            prefix = f"rels_kg{n}_{rel}"
            writer = files.writer(prefix, (f":START_ID({head})", f":END_ID({tail})", "relation:string",
                                           "dataset:string"))
            relation = plan.relation_names[rel]
            writer.writerows((row["h"], row["t"], relation, plan.name) for row in rows)
            out.relationships += [(rel, name) for name in files.names(prefix)]
            out.relationship_count += len(rows)
    finally:
        files.close()
    return out


def _write_nodes(files: _Files, prefix: str, label: str, rows: Sequence[dict[str, Any]], delimiter: str,
                 out: ImportFiles) -> list[dict[str, Any]]:
    id_column = f"key:ID({label})"
    fixups = []
    for row in rows:
        names, kinds, values, odd = [id_column], [], [row["key"]], False
        for name, value in sorted(row["props"].items()):
            if value is None:
                continue                    # SET n += {name: null} sets nothing either
            kind = value_type(value, delimiter) if name != "key" and PROPERTY_NAME.fullmatch(name) else None
            if kind is None:
                odd = True                  # written afterwards by merge_nodes, exactly as the MERGE path does
                continue
            if kind.startswith("string") and not out.multiline and _breaks_line(value):
                out.multiline = True
            names.append(f"{name}:{kind}")
            kinds.append(kind)
            values.append(value)
        if not out.multiline and _breaks_line(row["key"]):
            out.multiline = True
        writer = files.writer(prefix, tuple(names))
        writer.writerow([values[0], *(cell(v, k, delimiter) for v, k in zip(values[1:], kinds, strict=True))])
        if odd:
            fixups.append(row)
    return fixups


def _write_events(files: _Files, events: Iterable[dict[str, Any]], out: ImportFiles) -> None:
    """INTERACTED rows, as create_events writes them: a None value leaves its property unset."""
    headers: dict[tuple[type, ...], tuple[Any, tuple[str, ...]]] = {}
    strings: set[Any] = set()
    count = 0
    for e in events:
        values = (e["kind"], e["ts"], e["rating"], e["weight"], e["split"])
        signature = tuple(map(type, values))
        found = headers.get(signature)
        if found is None:
            kinds = [None if v is None else value_type(v, ";") for v in values]
            for name, v, kind in zip(EVENT_FIELDS, values, kinds, strict=True):
                if v is not None and kind not in ("string", "long", "double"):
                    raise KgrecError(f"event property {name}={v!r} cannot be bulk imported",
                                     hint="use `kgrec load` without --bulk")
            present = tuple(i for i, v in enumerate(values) if v is not None)
            header = (":START_ID(User)", ":END_ID(Item)", *(f"{EVENT_FIELDS[i]}:{kinds[i]}" for i in present))
            found = headers[signature] = (files.writer("rels_INTERACTED", header), present)
        writer, present = found
        if len(present) == 5:
            writer.writerow((e["user"], e["item"], *values))
        else:
            writer.writerow((e["user"], e["item"], *(values[i] for i in present)))
        strings.add(values[0])
        strings.add(values[4])
        count += 1
    if any(_breaks_line(s) for s in strings):
        out.multiline = True
    out.relationship_count += count


def _breaks_line(value: Any) -> bool:
    if isinstance(value, str):
        return "\n" in value or "\r" in value
    return isinstance(value, list) and any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in value)


# -- the import ----------------------------------------------------------------------------------------------
def bulk_load(settings: Settings, plan: LoadPlan, say: Say | None = None) -> BulkReport:
    """Import ``plan`` into the empty database of the managed server (see the module docstring)."""
    say = say or (lambda _message: None)
    phases: dict[str, float] = {}
    check_target(settings)
    work = settings.instance_dir / "import" / f"kgrec-bulk-{plan.name}"
    with _phase(phases, "write CSV", say):
        files = write_import_files(plan, work)
    with Graph(settings) as graph:        # nothing may have arrived while the files were written
        check_empty(graph)
    with _phase(phases, "stop server", say):
        server.stop(settings)
    try:
        with _phase(phases, "import", say):
            _run_importer(settings, files)
    finally:
        with _phase(phases, "start server", say):
            server.start(settings)
    shutil.rmtree(work, ignore_errors=True)
    report = BulkReport(plan.name, items=len(plan.nodes["Item"]),
                        linked=sum("entity" in row["props"] for row in plan.nodes["Item"]), phases=phases)
    with Graph(settings) as graph:
        with _phase(phases, "migrate", say):
            migrations.migrate(graph)
        with _phase(phases, "record", say):
            for label, rows in files.fixups.items():
                text = splice("load/merge_nodes", label=(label, NODE_LABELS))
                for _ in graph.write_batches(text, rows, DEFAULT_BATCH):
                    pass
            graph.run("load/record_dataset", name=plan.name, props=_record_props(plan) | {"status": "complete"})
    report.steps = [StepResult(step, rows, rows) for step, rows in _steps(plan)]
    report.seconds = sum(phases.values())
    return report


def _steps(plan: LoadPlan) -> Iterator[tuple[str, int]]:
    """The MERGE path's step names (:func:`kgrec.ingest.loader._steps`) with their row counts."""
    for label in ("User", "Item", "Entity"):
        yield f"{label} nodes", len(plan.nodes[label])
    if plan.events:
        yield "INTERACTED (first load)", len(plan.events)
    if plan.friends:
        yield "FRIEND", len(plan.friends)
    for (head, rel, tail), rows in plan.triples.items():
        yield f"{head}-{rel}->{tail}", len(rows)


class _phase:
    """Time one phase into ``phases`` (and announce it)."""

    def __init__(self, phases: dict[str, float], name: str, say: Say) -> None:
        self.phases, self.name, self.say = phases, name, say

    def __enter__(self) -> None:
        self.say(f"bulk: {self.name}…")
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.phases[self.name] = time.perf_counter() - self.started


def _log_path(settings: Settings, dataset: str) -> Path:
    return settings.instance_dir / "logs" / f"bulk-import-{dataset}.log"


def _run_importer(settings: Settings, files: ImportFiles) -> tuple[int, int]:
    """``neo4j-admin database import full`` into the stopped server's database; when it fails (or imports
    other counts than the plan's) the old store is put back. Returns the importer's (nodes, relationships)."""
    data = settings.instance_dir / "data"
    stores = [data / "databases" / settings.database, data / "transactions" / settings.database]
    backup = data / "kgrec-bulk-backup"
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir(parents=True)
    moved = []
    for n, store in enumerate(stores):
        if store.exists():
            store.rename(backup / str(n))
            moved.append((store, backup / str(n)))
    log = _log_path(settings, files.directory.name.removeprefix("kgrec-bulk-"))
    log.parent.mkdir(parents=True, exist_ok=True)
    report_file = log.with_suffix(".report")
    cmd = [server.check_java(), "-cp", f"{settings.neo4j_lib}/*", server.ADMIN, "database", "import", "full",
           settings.database, "--overwrite-destination=true", "--verbose", f"--report-file={report_file}",
           *files.arguments()]
    with open(log, "w", encoding="utf-8") as handle:
        done = subprocess.run(cmd, cwd=files.directory, env=server._neo4j_env(settings),  # noqa: SLF001
                              stdout=handle, stderr=subprocess.STDOUT, text=True)
    output = log.read_text(encoding="utf-8", errors="replace")
    imported = _imported(output, "nodes"), _imported(output, "relationships")
    expected = files.node_count, files.relationship_count
    if done.returncode != 0 or imported != expected:
        for store in stores:                    # whatever the importer left, then the old store back
            shutil.rmtree(store, ignore_errors=True)
        for store, saved in moved:
            saved.rename(store)
        shutil.rmtree(backup, ignore_errors=True)
        what = importer_error(output) if done.returncode != 0 else (
            f"it reported {imported[0]:,} nodes and {imported[1]:,} relationships, the plan has "
            f"{expected[0]:,} and {expected[1]:,}")
        raise KgrecError(f"neo4j-admin import failed: {what} (log: {log}; CSV files kept in {files.directory})",
                         hint="the database was left as it was; fix the cause and re-run, "
                              "or use `kgrec load` without --bulk")
    shutil.rmtree(backup, ignore_errors=True)
    return imported


def importer_error(output: str) -> str:
    """The importer's error in one line: the cause ``--verbose`` prints (``original error: …``, else the last
    ``Caused by: …``), else its last line naming an error, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    original = [line.removeprefix("original error:").strip() for line in lines if line.startswith("original error:")]
    causes = [line.split(": ", 2)[-1] for line in lines if line.startswith("Caused by:") and line.count(": ") >= 2]
    named = [line for line in lines if re.search(r"error|exception|invalid|missing|duplicate|failed", line, re.I)
             and not re.match(r"(at |Critical error occurred|IMPORT FAILED|Run with|Error in input data$)", line)]
    line = (original or causes or named or lines or ["(no output)"])[-1]
    return line if len(line) <= 400 else line[:400] + "…"


def _imported(output: str, what: str) -> int:
    match = re.search(rf"^\s*(\d[\d,]*)\s+{what}\s*$", output, re.M)
    return int(match.group(1).replace(",", "")) if match else -1
