"""Which statements are read-only (run in read sessions, routed to a cluster's secondaries)."""

from __future__ import annotations

import pytest

from kgrec.cypher import is_read_only


@pytest.mark.parametrize("text", [
    "MATCH (n:Item) RETURN n.key AS key",
    "// CREATE nothing: a comment\nMATCH (n) WHERE n.title = 'MERGE; DELETE' RETURN n",
    "MATCH (n:`SET`) RETURN count(n)",
    "CALL db.index.vector.queryNodes('idx', 10, $v) YIELD node, score RETURN node.key, score",
    "MATCH (a)-[r]->(b) RETURN labels(a)[0] AS start, type(r) AS type",
    "CALL (x) { MATCH (x)--(y) RETURN count(y) AS c } RETURN c",
])
def test_reads(text: str) -> None:
    assert is_read_only(text)


@pytest.mark.parametrize("text", [
    "MERGE (n:Item {key: $key})",
    "MATCH (n) SET n.x = 1",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n) REMOVE n.x",
    "CREATE INDEX x IF NOT EXISTS FOR (n:Item) ON (n.key)",
    "DROP CONSTRAINT c IF EXISTS",
    "MATCH (n) CALL (n) { SET n.x = null } IN TRANSACTIONS OF 10 ROWS",
    "CALL db.create.setNodeVectorProperty(n, 'v', $v)",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
    "CALL dbms.components() YIELD name RETURN name",
    "match (n) foreach (x in [1] | set n.y = x)",
])
def test_writes_or_unknown_procedures(text: str) -> None:
    assert not is_read_only(text)
