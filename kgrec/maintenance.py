"""Wiping data and schema (tests, `kgrec db reset`)."""

from __future__ import annotations

from kgrec import migrations
from kgrec.cypher import SAFE_IDENTIFIER, splice, statement
from kgrec.db import Graph


def wipe_data(graph: Graph) -> None:
    """Delete all nodes and relationships except migration records; schema stays."""
    graph.query(statement("admin/wipe_data"))


def reset_schema(graph: Graph, reapply: bool = True) -> None:
    """Delete everything (migration records too), drop all constraints/indexes, re-migrate."""
    graph.query(statement("admin/wipe_all"))
    for row in graph.run("admin/schema_objects"):
        name = row["name"]
        if not SAFE_IDENTIFIER.fullmatch(name):
            name_set = {name}
            # server-generated names are safe identifiers; anything else is quoted via whitelist
            raise ValueError(f"unexpected schema object name {name!r} ({name_set})")
        which = "admin/drop_constraint" if row["kind"] == "CONSTRAINT" else "admin/drop_index"
        graph.query(splice(which, name=(name, {name})))
    if reapply:
        migrations.migrate(graph)
