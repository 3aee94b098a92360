"""The whole pipeline on a tiny synthetic dataset, through the CLI, against the real test Neo4j:
load -> encode-text -> train (every model, straight from the graph) -> ablate -> write-back -> recommend.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgrec.db import Graph
from kgrec.settings import Settings
from tests.cli_helpers import run_cli
from tests.conftest import suite_env

DATASET = "pipe"


@pytest.fixture(scope="module")
def pipeline_env(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path_factory.mktemp("runs")), "OMP_NUM_THREADS": "1",
                         "COLUMNS": "200"}
    with Graph(settings) as graph:
        from kgrec.maintenance import wipe_data

        wipe_data(graph)
    loaded = run_cli("load", "synthetic", "--users", "40", "--items", "60", "--events", "600", "--seed", "3",
                     "--dataset", DATASET, env=env)
    assert loaded.returncode == 0, loaded.stderr
    encoded = run_cli("encode-text", "--dataset", DATASET, env=env)
    assert encoded.returncode == 0, encoded.stderr
    return env


def _latest_run(env: dict[str, str], model: str) -> Path:
    runs = sorted(Path(env["KGREC_RUNS_DIR"]).glob(f"*-{DATASET}-{model}"))
    assert runs, f"no {model} run recorded"
    return runs[-1]


@pytest.mark.parametrize("model", ["pop", "bprmf", "lightgcn", "kgat", "kglightgcn"])
def test_every_model_trains_from_the_graph(pipeline_env: dict[str, str], model: str) -> None:
    result = run_cli("train", "--model", model, "--dataset", DATASET, "--epochs", "2", "--threads", "1",
                     env=pipeline_env)
    assert result.returncode == 0, result.stderr
    run = _latest_run(pipeline_env, model)
    metrics = json.loads((run / "metrics.json").read_text())
    ndcg = metrics["test"]["ndcg@10"] if "test" in metrics else metrics["test_ndcg@10"]
    assert 0.0 <= ndcg <= 1.0
    assert (run / "embeddings.npz").exists() and (run / "graph" / "graph.npz").exists()


def test_ablation_prints_three_rows(pipeline_env: dict[str, str]) -> None:
    result = run_cli("ablate", "--model", "lightgcn", "--dataset", DATASET, "--epochs", "1", env=pipeline_env)
    assert result.returncode == 0, result.stderr
    variants = [line.split("│")[1].strip() for line in result.stdout.splitlines() if line.startswith("│")]
    assert variants == ["full", "no-kg", "no-text"], result.stdout


def test_write_back_then_recommend_with_explanations(pipeline_env: dict[str, str]) -> None:
    trained = run_cli("train", "--model", "bprmf", "--dataset", DATASET, "--epochs", "2", "--threads", "1",
                      env=pipeline_env)
    assert trained.returncode == 0, trained.stderr
    run = _latest_run(pipeline_env, "bprmf")
    written = run_cli("write-back", "--run", str(run), env=pipeline_env)
    assert written.returncode == 0, written.stderr
    rec = run_cli("recommend", "--user", "u1", "--dataset", DATASET, "-k", "5", "--explain", "--format", "json",
                  env=pipeline_env)
    assert rec.returncode == 0, rec.stderr
    items = json.loads(rec.stdout)
    items = items["items"] if isinstance(items, dict) else items
    assert len(items) == 5
    scores = [row["score"] for row in items]
    assert scores == sorted(scores, reverse=True)
