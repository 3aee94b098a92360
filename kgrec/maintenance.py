"""Wiping data and schema (tests, `kgrec db reset`)."""

from __future__ import annotations

from kgrec import migrations
from kgrec.cypher import splice, statement
from kgrec.db import Graph


def wipe_data(graph: Graph) -> None:
    """Delete all nodes and relationships except migration records; schema stays."""
    graph.query(statement("admin/wipe_relationships"))
    graph.query(statement("admin/wipe_data"))


def reset_schema(graph: Graph, reapply: bool = True) -> None:
    """Delete everything (migration records too), drop all constraints/indexes, re-migrate."""
    graph.query(statement("admin/wipe_relationships"))
    graph.query(statement("admin/wipe_all"))
    for kind in ("constraint", "index"):
        for row in graph.run(f"admin/show_{kind}{'s' if kind == 'constraint' else 'es'}"):
            name = row["name"]
            graph.query(splice(f"admin/drop_{kind}", name=(name, {name})))
    if reapply:
        migrations.migrate(graph)
