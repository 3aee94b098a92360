"""`kgrec load --bulk` on a real Neo4j: the importer's graph is the MERGE path's graph, property for property
(types included); a plain re-load then creates nothing; refusals; a failed import leaves the database as it
was. The tests stop and start the server, so they use a private instance (the suite's ports + 5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from kgrec import server
from kgrec.api import Kgrec
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.ingest import bulk
from kgrec.ingest.synthetic import generate
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where
from kgrec.maintenance import wipe_data
from kgrec.settings import Settings, load_settings
from kgrec.train.runs import RunStore
from tests.cli_helpers import run_cli
from tests.conftest import suite_env

pytestmark = pytest.mark.slow

HERE = Where("tests/e2e/test_bulk_load.py", 0)
ODD_ITEM = 'q,"i"\nx'


@pytest.fixture(scope="module")
def bulk_env() -> Iterator[dict[str, str]]:
    """A private managed instance (never a NEO4J_URI server: --bulk needs the managed one's files)."""
    env = {k: v for k, v in suite_env().items() if not k.startswith("NEO4J_")}
    env["KGREC_INSTANCE"] = env["KGREC_INSTANCE"] + "-bulk"
    env["KGREC_BOLT_PORT"] = str(int(env["KGREC_BOLT_PORT"]) + 5)
    env["KGREC_HTTP_PORT"] = str(int(env["KGREC_HTTP_PORT"]) + 5)
    settings = load_settings(env=env)
    server.install(settings, quiet=True)
    server.start(settings)
    yield env
    server.stop(settings)


@pytest.fixture()
def bulk_settings(bulk_env: dict[str, str]) -> Iterator[Settings]:
    settings = load_settings(env=bulk_env)
    server.start(settings)          # a failed test may have left it stopped
    with Graph(settings) as graph:
        wipe_data(graph)
    yield settings


def tricky_dataset() -> RawDataset:
    """Synthetic rows (a few hundred events, KG) plus every value shape the importer's CSV makes awkward."""
    raw = generate(60, 50, 400, seed=3, dataset="bulkcheck")
    raw.users.append(NodeRow("u,odd", {"age": 31, "gender": "F", "score": 0.5, "vip": True, "tags": [],
                                       "text": "age 31, gender F"}, HERE))
    raw.items += [
        NodeRow(ODD_ITEM, {"title": 'He said "hi", then\nleft; twice', "year": 1999, "genres": ["Drama", "A;B"],
                           "description": "", "text": "Amélie — 東京 \t tab", "weights": [1.5, 2.0], "codes": [1, 2]},
                HERE),
        NodeRow("blank-genre", {"title": "  spaced  ", "genres": [""], "release date": "2001", "text": ""}, HERE),
    ]
    raw.entities.append(NodeRow('ent,"x"', {"name": "Ent \"X\", the\r\nsecond", "type": "person"}, HERE))
    raw.links.append(PairRow(ODD_ITEM, "film-odd", HERE))
    raw.triples += [PairRow("film-odd", 'ent,"x"', HERE, "film.starring"),
                    PairRow("e0", "e1", HERE, "genre.related to")]
    raw.events += [EventRow("u0", "i0", "click", None, 1.0, None, None, HERE),
                   EventRow("u,odd", ODD_ITEM, "rating", 4.0, 2.5, 1234, "train", HERE),
                   EventRow("u1", "blank-genre", "view", None, 1.0, 99, "test", HERE)]
    raw.friends += [PairRow("u0", "u1", HERE), PairRow("u1", "u0", HERE), PairRow("u,odd", "u2", HERE)]
    return raw


def typed(value: Any) -> Any:
    """A value with its Python type, so 1 (Neo4j Long) and 1.0 (Double) compare unequal."""
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, dict):
        return ("map", sorted((k, typed(v)) for k, v in value.items()))
    return (type(value).__name__, value)


def dump(settings: Settings, dataset: str) -> dict[str, Any]:
    with Graph(settings) as graph:
        nodes = [typed(r) for r in graph.run("bulk/nodes")]
        rels = sorted(repr(typed(r)) for r in graph.run("bulk/relationships"))
        labels = Counter({tuple(r["labels"]): r["n"] for r in graph.run("bulk/node_counts")})
        types = Counter({r["type"]: r["n"] for r in graph.run("bulk/relationship_counts")})
        record = graph.run("load/dataset", name=dataset)[0]["dataset"]
    record.pop("loaded_at")
    return {"nodes": nodes, "relationships": rels, "labels": labels, "types": types, "record": typed(record)}


def test_bulk_load_builds_the_merge_paths_graph_and_a_reload_creates_nothing(bulk_settings: Settings) -> None:
    with Kgrec(bulk_settings, RunStore()) as kg:
        merged = kg.load(tricky_dataset())
        expected = dump(bulk_settings, "bulkcheck")
        with Graph(bulk_settings) as graph:
            wipe_data(graph)
        loaded = kg.load(tricky_dataset(), bulk=True)
        got = dump(bulk_settings, "bulkcheck")
        assert loaded.report.created == merged.report.created == sum(s.rows for s in merged.report.steps)
        assert set(loaded.report.phases) == {"parse + validate", "write CSV", "stop server", "import",
                                             "start server", "migrate", "record"}
        assert got["labels"] == expected["labels"]
        assert got["types"] == expected["types"]
        assert expected["types"]["INTERACTED"] == 403 and expected["types"]["FRIEND"] == 3
        assert len(expected["nodes"]) > 150 and len(expected["relationships"]) > 600
        assert got["nodes"] == expected["nodes"]
        assert got["relationships"] == expected["relationships"]
        assert got["record"] == expected["record"]
        again = kg.load(tricky_dataset())
        assert again.report.created == 0
    assert dump(bulk_settings, "bulkcheck") == got


def test_bulk_refuses_a_database_with_data_in_one_line(bulk_settings: Settings, bulk_env: dict[str, str]) -> None:
    with Graph(bulk_settings) as graph:
        graph.query("CREATE (:Item {key: 'other:i1', dataset: 'other', id: 'i1'})")
    done = run_cli("load", "synthetic", "--users", "5", "--items", "5", "--events", "10", "--bulk", env=bulk_env)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == ("error: bulk import needs an empty database; this one already has nodes "
                                           "(no dataset record)")
    assert server.state(bulk_settings).running
    with Graph(bulk_settings) as graph:
        assert graph.query("MATCH (n:Item) RETURN count(n) AS n")[0]["n"] == 1


def test_a_failed_import_restarts_the_server_and_leaves_the_database_as_it_was(
        bulk_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    original = bulk.write_import_files

    def broken(plan, directory):          # a relationship to a node that no file has: the importer refuses it
        files = original(plan, directory)
        with open(directory / files.relationships[0][1], "a", encoding="utf-8") as handle:
            handle.write('"synthetic:u0","synthetic:no-such-item","rating",1,1.0,1.0\n')
        return files

    monkeypatch.setattr(bulk, "write_import_files", broken)
    with Graph(bulk_settings) as graph:
        before = [r["n"] for r in graph.run("bulk/node_counts")]
    with Kgrec(bulk_settings, RunStore()) as kg, pytest.raises(KgrecError) as caught:
        kg.load("synthetic", users=20, items=10, events=50, bulk=True)
    message = str(caught.value)
    assert message.startswith("neo4j-admin import failed: synthetic:u0 (User)-[INTERACTED]->synthetic:no-such-item "
                              "(Item) referring to missing node synthetic:no-such-item (log: ")
    assert "\n" not in message
    log = bulk_settings.instance_dir / "logs" / "bulk-import-synthetic.log"
    assert f"(log: {log};" in message and log.exists()
    assert server.state(bulk_settings).running
    with Graph(bulk_settings) as graph:
        assert [r["n"] for r in graph.run("bulk/node_counts")] == before
        assert graph.run("load/dataset", name="synthetic")[0]["dataset"] is None
