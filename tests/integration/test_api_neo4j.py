"""The Python API against the real test Neo4j: docs/API.md's example runs as written; Cypher errors
become typed one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kgrec
from kgrec.errors import CypherError, cypher_errors
from tests.conftest import TEST_ENV
from tests.paths import REPO

API_DOC = REPO / "docs" / "API.md"


def doc_example() -> str:
    """The first ```python block of docs/API.md."""
    match = re.search(r"```python\n(.*?)```", API_DOC.read_text(), re.S)
    assert match, "docs/API.md has no python example"
    return match.group(1)


def test_docs_example_runs_against_neo4j(graph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    for name in [n for n in list(__import__("os").environ) if n.startswith("NEO4J_")]:
        monkeypatch.delenv(name)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KGREC_CONFIG", "/nonexistent/kgrec.toml")
    monkeypatch.setenv("KGREC_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    namespace: dict = {}
    exec(compile(doc_example(), str(API_DOC), "exec"), namespace)
    out = capsys.readouterr().out
    print(out)
    assert out.startswith("demo {'users': 40, 'items': 60")
    result, outcome = namespace["result"], namespace["outcome"]
    assert isinstance(result, kgrec.TrainResult) and result.dataset == "demo" and result.model == "bprmf"
    assert 0.0 <= result.test["ndcg@10"] <= 1.0 and (result.run_dir / "embeddings.npz").exists()
    recs = namespace["recs"]
    assert recs.user == "demo:u1" and len(recs.items) == 5 and recs.model == namespace["version"].version
    scores = [item.score for item in recs.items]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(item.explanation, list) for item in recs.items)
    assert "not found: user 'demo:nobody' is not in the graph" in out
    assert "not found: model version 'v999' does not exist" in out
    assert "True" in out                                         # evaluate lists the new run last
    assert outcome.version.active and outcome.version.version != namespace["version"].version
    assert len(outcome.recommendations.items) == 5
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted([result.run_id, outcome.train.run_id])


def test_cypher_errors_become_one_line(graph) -> None:
    with pytest.raises(CypherError, match=r"^Neo4j refused the request: Invalid input") as caught:
        with cypher_errors():
            graph.query("MATCH (n RETURN n")
    assert "\n" not in str(caught.value) and caught.value.code.startswith("Neo.ClientError.Statement")

