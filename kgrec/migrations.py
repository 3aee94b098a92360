"""Schema migrations: ``NNNN_<name>.cypher`` files applied in order, recorded in the graph.

The files ship as package data (``kgrec/resources/migrations``, read with :mod:`importlib.resources`).

Each applied file is recorded as ``(:KgrecMigration {version, name, sha256, applied_at})``.
A file is checked with ``EXPLAIN`` statement by statement before any of it runs, so a syntax
error names the file and leaves it unrecorded (earlier files stay applied).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from neo4j.exceptions import ClientError

from kgrec.db import Graph
from kgrec.errors import KgrecError

MIGRATIONS_DIR: Traversable = files("kgrec") / "resources" / "migrations"
FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cypher$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Traversable
    sha256: str

    @property
    def statements(self) -> list[str]:
        return split_statements(self.path.read_text(encoding="utf-8"))


def split_statements(text: str) -> list[str]:
    """Split on ``;`` outside quotes, backticks and ``//`` comments."""
    out, buf, quote, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            buf.append(ch)
            if ch == "\\" and quote != "`" and i + 1 < len(text):
                buf.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end == -1 else end
            continue
        elif ch in "'\"`":
            quote = ch
            buf.append(ch)
        elif ch == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


def discover(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration file in ``directory``, ordered by version."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name == "README.md":
            continue
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise KgrecError(f"{path}: migration file names must look like NNNN_name.cypher "
                             "(four digits, lower-case name)")
        version = int(match.group(1))
        if version in found:
            raise KgrecError(f"{path}: version {version:04d} is already used by {found[version].path.name}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found[version] = Migration(version, match.group(2), path, digest)
    return [found[v] for v in sorted(found)]


def applied(graph: Graph) -> dict[int, dict]:
    return {r["version"]: r for r in graph.run("migrations/applied")}


def status(graph: Graph, directory: Traversable = MIGRATIONS_DIR) -> list[tuple[Migration, dict | None]]:
    done = applied(graph)
    return [(m, done.get(m.version)) for m in discover(directory)]


def migrate(graph: Graph, directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """Apply pending migrations in order; return those applied now."""
    migrations = discover(directory)
    done = applied(graph)
    for m in migrations:  # refuse before doing anything if history was rewritten
        rec = done.get(m.version)
        if rec and rec["sha256"] != m.sha256:
            raise KgrecError(f"{m.path}: changed after it was applied (sha256 {rec['sha256'][:12]}… "
                             f"recorded, {m.sha256[:12]}… now)",
                             hint="never edit an applied migration; add a new NNNN_*.cypher instead")
    newly = []
    for m in migrations:
        if m.version in done:
            continue
        statements = m.statements
        if not statements:
            raise KgrecError(f"{m.path}: no statements")
        for n, text in enumerate(statements, 1):
            try:
                graph.query("EXPLAIN " + text)
            except ClientError as exc:
                raise KgrecError(f"{m.path}: statement {n} is invalid: {_first_line(exc.message)}") from None
        for n, text in enumerate(statements, 1):
            try:
                graph.query(text)
            except ClientError as exc:
                raise KgrecError(f"{m.path}: statement {n} failed: {_first_line(exc.message)}") from None
        graph.run("migrations/record", version=m.version, name=m.name, sha256=m.sha256)
        newly.append(m)
    return newly


def _first_line(message: str | None) -> str:
    return (message or "").strip().splitlines()[0] if message else "unknown error"
