"""Cypher-injection attempts through every serve CLI argument that reaches a query fail harmlessly:
a clean one-line answer (or an empty result), no stack trace, and the graph exactly as before."""

from __future__ import annotations

import sys

import pytest

from kgrec.cli import main
from kgrec.db import Graph
from kgrec.serve import writeback
from tests.cli_helpers import run_cli
from tests.conftest import TEST_ENV, suite_env
from tests.serve_fixtures import load_world, make_run, make_world

PAYLOADS = [
    "1' OR 1=1 //",
    '1"}) MATCH (n) DETACH DELETE n //',
    "x'}) DETACH DELETE n RETURN 1 //",
    "`) DETACH DELETE n //",
    "$user_key",
    "1 UNION MATCH (n) RETURN n",
    "v1 SET m.active = false",
    "kgrec_item_v1; DROP INDEX user_key",
    "emb_v1}) SET n.pwned = true //",
    "Comedy' OR true OR '",
    "\n MATCH (n) DETACH DELETE n",
    "../../../etc/passwd",
    "1; CALL dbms.shutdown()",
    "{key: 'tiny:1'}",
]

COMMANDS = {
    "recommend --user": lambda p: ["recommend", "--user", p],
    "recommend --dataset": lambda p: ["recommend", "--user", "1", "--dataset", p],
    "recommend --model": lambda p: ["recommend", "--user", "1", "--model", p],
    "recommend --filter genre": lambda p: ["recommend", "--user", "1", "--filter", f"genre={p}"],
    "recommend --filter entity": lambda p: ["recommend", "--user", "1", "--filter", f"entity={p}"],
    "recommend --filter name": lambda p: ["recommend", "--user", "1", "--filter", p],
    "similar --item": lambda p: ["similar", "--item", p],
    "models activate": lambda p: ["models", "activate", p],
    "models drop": lambda p: ["models", "drop", p],
    "write-back --run": lambda p: ["write-back", "--run", p],
    "cold-start --dataset": lambda p: ["cold-start", "--dataset", p],
}


@pytest.fixture()
def world(graph: Graph, tmp_path, monkeypatch):
    w = make_world(users=12, items=40)
    load_world(graph, w)
    make_run(tmp_path, w)
    writeback.write_back(graph, "run-a", runs_dir=tmp_path)
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**TEST_ENV, "KGREC_CONFIG": "/nonexistent/kgrec.toml"}.items():
        monkeypatch.setenv(name, value)
    return w


def fingerprint(graph: Graph) -> tuple:
    counts = graph.run("db/counts")[0]
    indexes = sorted(r["name"] for r in graph.run("admin/show_indexes"))
    models = [(m["version"], m["active"], m["status"]) for m in writeback.list_models(graph)]
    pwned = graph.run("serve/count_vectors", property="pwned")[0]["n"]
    return counts["nodes"], counts["relationships"], tuple(indexes), tuple(models), pwned


def cli(argv: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["kgrec", *argv])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_payloads_fail_harmlessly(graph: Graph, world, capsys, monkeypatch, command: str) -> None:
    before = fingerprint(graph)
    for payload in PAYLOADS:
        code, out, err = cli(COMMANDS[command](payload), capsys, monkeypatch)
        assert code in (0, 1, 2), (payload, code)
        assert "Traceback" not in out + err and 'File "' not in err, (command, payload, err)
        if code == 1:
            assert err.startswith("error: ") and len(err.strip().splitlines()) <= 2, (payload, err)
        assert fingerprint(graph) == before, (command, payload)


def test_event_file_payloads_are_data_not_code(graph: Graph, world, tmp_path, capsys, monkeypatch) -> None:
    before_nodes = graph.run("db/counts")[0]["nodes"]
    path = tmp_path / "events.csv"
    users = [p.replace('"', '""') for p in PAYLOADS]
    path.write_text("user,item\n" + "".join(f'"{u}",i1\n' for u in users))
    code, out, err = cli(["ingest-events", str(path)], capsys, monkeypatch)
    assert code == 0, err
    expected = {f"tiny:{p.strip()}" for p in PAYLOADS}  # ids are stripped of surrounding whitespace
    names = {r["key"] for r in graph.run("serve/user_items", keys=sorted(expected))}
    assert names == expected  # stored verbatim as data
    assert graph.run("db/counts")[0]["nodes"] == before_nodes + len(PAYLOADS)
    bad_item = tmp_path / "bad.csv"
    bad_item.write_text("user,item\n1,\"i1'}) DETACH DELETE n //\"\n")
    code, out, err = cli(["ingest-events", str(bad_item)], capsys, monkeypatch)
    assert code == 1 and ":2 (column item)" in err and "Traceback" not in err


def test_subprocess_cli_gives_one_line_error(graph: Graph, world) -> None:
    before = fingerprint(graph)
    result = run_cli("recommend", "--user", PAYLOADS[1], env=suite_env())
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: user 'tiny:1\"}) MATCH (n) DETACH DELETE n //' is not in the graph")
    assert fingerprint(graph) == before
