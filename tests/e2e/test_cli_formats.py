"""Every command that prints a table also answers with ``--format json`` (parseable stdout, raw values),
and ad-hoc Cypher errors go through the one Cypher-error translation."""

from __future__ import annotations

import json

from tests.cli_helpers import run_cli
from tests.conftest import suite_env


def _json(*args: str) -> object:
    done = run_cli(*args, "--format", "json", env=suite_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_db_and_config_tables_have_json(graph) -> None:
    assert _json("db", "cypher", "RETURN $n + 1 AS next", "-p", "n=41") == [{"next": 42}]
    status = _json("db", "status")
    assert status["edition"] == "community" and status["version"].startswith("5.26")
    assert isinstance(status["nodes"], int) and isinstance(status["store_bytes"], int) and status["store_bytes"] > 0
    migrations = _json("db", "migrate", "--status")
    assert migrations and {row["state"] for row in migrations} == {"applied"} and migrations[0]["version"] == "0001"
    settings = {row["setting"]: row for row in _json("config", "show")}
    assert settings["instance"]["value"] == suite_env()["KGREC_INSTANCE"]
    assert settings["instance"]["source"].startswith("env")


def test_a_refused_statement_is_one_translated_line(graph) -> None:
    done = run_cli("db", "cypher", "MATCH (n RETURN n", env=suite_env())
    assert done.returncode != 0 and done.stdout == ""
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("error: Neo4j refused the request: Invalid input")


def test_an_unknown_format_is_refused(graph) -> None:
    done = run_cli("db", "status", "--format", "yaml", env=suite_env())
    assert done.returncode != 0 and "--format 'yaml': use one of table, json" in done.stderr
