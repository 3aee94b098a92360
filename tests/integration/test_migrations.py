"""Migrations: apply in order, record, skip applied, refuse changed files, reject bad ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kgrec import migrations
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.maintenance import reset_schema
from kgrec.settings import Settings


@pytest.fixture()
def bare(settings: Settings) -> Iterator[Graph]:
    """An empty database with no schema and no migration records; restored afterwards."""
    with Graph(settings) as g:
        reset_schema(g, reapply=False)
        yield g
        reset_schema(g, reapply=True)


def _write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(body)
    return path


def _constraints(g: Graph) -> set[str]:
    return {r["name"] for r in g.query("SHOW CONSTRAINTS YIELD name RETURN name")}


def test_apply_record_and_skip(bare: Graph, tmp_path: Path) -> None:
    _write(tmp_path, "0001_people.cypher",
           "CREATE CONSTRAINT t_person IF NOT EXISTS FOR (p:TPerson) REQUIRE p.key IS UNIQUE;\n"
           "// a comment; with a semicolon\n"
           "CREATE INDEX t_person_name IF NOT EXISTS FOR (p:TPerson) ON (p.name);")
    _write(tmp_path, "0002_places.cypher",
           "CREATE CONSTRAINT t_place IF NOT EXISTS FOR (p:TPlace) REQUIRE p.key IS UNIQUE")
    applied = migrations.migrate(bare, tmp_path)
    assert [m.version for m in applied] == [1, 2]
    assert {"t_person", "t_place"} <= _constraints(bare)
    records = migrations.applied(bare)
    assert sorted(records) == [1, 2]
    assert records[1]["name"] == "people" and len(records[1]["sha256"]) == 64
    assert migrations.migrate(bare, tmp_path) == []
    states = [(m.version, rec is not None) for m, rec in migrations.status(bare, tmp_path)]
    assert states == [(1, True), (2, True)]


def test_pending_listed_then_applied(bare: Graph, tmp_path: Path) -> None:
    _write(tmp_path, "0001_a.cypher", "CREATE INDEX t_a IF NOT EXISTS FOR (n:TA) ON (n.x)")
    migrations.migrate(bare, tmp_path)
    _write(tmp_path, "0002_b.cypher", "CREATE INDEX t_b IF NOT EXISTS FOR (n:TB) ON (n.x)")
    assert [(m.version, rec is None) for m, rec in migrations.status(bare, tmp_path)] == [(1, False), (2, True)]
    assert [m.name for m in migrations.migrate(bare, tmp_path)] == ["b"]


def test_changed_applied_file_is_refused(bare: Graph, tmp_path: Path) -> None:
    path = _write(tmp_path, "0001_a.cypher", "CREATE INDEX t_a IF NOT EXISTS FOR (n:TA) ON (n.x)")
    migrations.migrate(bare, tmp_path)
    path.write_text("CREATE INDEX t_a IF NOT EXISTS FOR (n:TA) ON (n.y)")
    _write(tmp_path, "0002_b.cypher", "CREATE INDEX t_b IF NOT EXISTS FOR (n:TB) ON (n.x)")
    with pytest.raises(KgrecError, match=r"0001_a.cypher: changed after it was applied"):
        migrations.migrate(bare, tmp_path)
    assert sorted(migrations.applied(bare)) == [1]  # 0002 was not applied either


def test_syntax_error_names_file_and_keeps_earlier(bare: Graph, tmp_path: Path) -> None:
    _write(tmp_path, "0001_ok.cypher", "CREATE INDEX t_ok IF NOT EXISTS FOR (n:TOk) ON (n.x)")
    _write(tmp_path, "0002_broken.cypher",
           "CREATE INDEX t_first IF NOT EXISTS FOR (n:TFirst) ON (n.x);\nCREATE INDEKS oops FOR (n) ON n.x")
    with pytest.raises(KgrecError, match=r"0002_broken.cypher: statement 2 is invalid"):
        migrations.migrate(bare, tmp_path)
    assert sorted(migrations.applied(bare)) == [1]
    names = {r["name"] for r in bare.query("SHOW INDEXES YIELD name RETURN name")}
    assert "t_ok" in names and "t_first" not in names  # nothing of the broken file ran


@pytest.mark.parametrize("bad_name", ["1_short.cypher", "0003-dash.cypher", "0003_Upper.cypher",
                                      "0003_x.sql"])
def test_bad_file_names_are_rejected(tmp_path: Path, bad_name: str) -> None:
    _write(tmp_path, bad_name, "RETURN 1")
    with pytest.raises(KgrecError, match=r"migration file names must look like NNNN_name.cypher"):
        migrations.discover(tmp_path)


def test_duplicate_versions_are_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "0001_a.cypher", "RETURN 1")
    _write(tmp_path, "0001_b.cypher", "RETURN 1")
    with pytest.raises(KgrecError, match="version 0001 is already used"):
        migrations.discover(tmp_path)


def test_statement_splitter_respects_quotes_and_comments() -> None:
    text = "RETURN 'a;b' AS x;\n// c; d\nRETURN \"e;f\" AS `g;h`;\n\n"
    assert migrations.split_statements(text) == ["RETURN 'a;b' AS x", "RETURN \"e;f\" AS `g;h`"]


def test_project_migrations_are_applied(settings: Settings) -> None:
    with Graph(settings) as g:
        assert migrations.migrate(g) == []
        assert {"user_key", "item_key", "entity_key", "migration_version"} <= _constraints(g)
