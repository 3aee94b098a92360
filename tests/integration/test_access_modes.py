"""Every named statement's access mode agrees with the server's own reading of it (EXPLAIN's query type),
so read sessions never carry a write (a cluster would send them to a secondary, which refuses writes)."""

from __future__ import annotations

import re

import neo4j

from kgrec.cypher import available, is_read_only, statement
from kgrec.db import Graph
from kgrec.metapath_edges import fill_statement
from kgrec.metapaths import Metapath

IDENTIFIERS = {"label": "Item", "head": "Item", "tail": "Entity", "rel": "HAS_GENRE", "key": "key",
               "name": "x", "property": "emb_v1", "index": "idx"}


def runnable(name: str) -> str:
    """The statement with its spliced markers filled by sample identifiers."""
    if name.startswith(("metapaths/neighbours_", "metapaths/self_paths_")):
        path = Metapath(("U", "I", "U") if name.endswith("_1") else ("U", "I", "E", "I", "U"))
        return fill_statement(name, path, {frozenset("UI"): {"INTERACTED"}, frozenset("IE"): {"HAS_GENRE"}})
    return re.sub(r"\{\{(\w+)\}\}", lambda m: f"`{IDENTIFIERS.get(m[1], 'Item')}`", statement(name))


def test_each_statement_is_routed_as_the_server_reads_it(graph: Graph) -> None:
    checked = {"r": 0, "other": 0}
    for name in available():
        text = runnable(name)
        with graph.session() as session:
            kind = session.run("EXPLAIN " + text).consume().query_type
        assert (kind == "r") == is_read_only(statement(name)), f"{name}: server says {kind!r}"
        checked["r" if kind == "r" else "other"] += 1
    assert checked["r"] > 30 and checked["other"] > 20


def test_a_read_session_refuses_a_write_so_misrouting_cannot_pass_silently(graph: Graph) -> None:
    assert graph.query("MATCH (n:Item) RETURN count(n) AS n") == [{"n": 0}]
    with graph.session(default_access_mode=neo4j.READ_ACCESS) as session:
        try:
            session.run("CREATE (:Item {key: 'x'})").consume()
        except neo4j.exceptions.ClientError as exc:
            assert exc.code == "Neo.ClientError.Statement.AccessMode"
        else:
            raise AssertionError("the server accepted a write in a read session")
    graph.query("CREATE (:Item {key: 'probe'})")                 # routed as a write
    assert graph.query("MATCH (n:Item) RETURN n.key AS key") == [{"key": "probe"}]
