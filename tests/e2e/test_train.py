"""Trainer: run records, seeded reproducibility, resume == uninterrupted, config precedence, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kgrec.errors import KgrecError
from kgrec.models.config import load_config
from kgrec.train import trainer
from kgrec.train.runs import list_runs
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.train_fixtures import fake_text_features, tiny_graph


def small_config(**overrides):
    base = {"model": "kgat", "dataset": "tiny", "epochs": 4, "batch_size": 16, "embedding_size": 8,
            "n_layers": 2, "patience": 10, "lr": 0.01, "kg_loss_weight": 0.5, "threads": 1}
    return load_config(base | overrides, env={})


def test_run_directory_holds_every_record(tmp_path: Path) -> None:
    data = tiny_graph()
    run_dir, metrics = trainer.train_new(data, small_config(), tmp_path, fake_text_features(data))
    for name in ("config.json", "metrics.json", "split.npz", "dataset.sha256", "curve.png",
                 "embeddings.npz", "graph/graph.json", "checkpoints/last.pt", "checkpoints/best.pt"):
        assert (run_dir / name).exists(), name
    saved = json.loads((run_dir / "metrics.json").read_text())
    for part in ("valid", "test"):
        assert {f"{m}@{k}" for m in ("recall", "ndcg", "hit", "mrr") for k in (10, 20)} <= set(saved[part])
    assert saved["dataset_checksum"] == data.checksum() and 0 <= saved["best_epoch"] < 4
    with np.load(run_dir / "embeddings.npz") as emb:
        assert emb["User"].shape[0] == data.num_users and emb["Entity"].shape[0] == data.num_nodes("Entity")
        assert emb["Item"].dtype == np.float32
    assert list_runs(tmp_path, "tiny")[0]["ndcg@10"] == pytest.approx(metrics["test"]["ndcg@10"])


@pytest.mark.parametrize("model", ["bprmf", "lightgcn", "kgat", "sage"])
def test_same_seed_same_metrics_and_resume_matches(tmp_path: Path, model: str) -> None:
    data = tiny_graph()
    text = fake_text_features(data)
    config = small_config(model=model)
    if model == "sage":     # the content tower's cold dropout draws from torch's generator: still seeded
        config = small_config(model=model, cold_items=0.2)
    _, first = trainer.train_new(data, config, tmp_path / "a", text)
    _, second = trainer.train_new(data, config, tmp_path / "b", text)
    assert first["test"] == pytest.approx(second["test"], abs=1e-4)
    # interrupt after 2 epochs, then resume to 4: same as the uninterrupted run
    short = small_config(**(config.to_dict() | {"epochs": 2, "ks": list(config.ks)}))
    run_dir, split = trainer.prepare_run(data, short, tmp_path / "c")
    trainer.Trainer(data, short, run_dir, split, text).fit()
    config_file = run_dir / "config.json"
    config_file.write_text(json.dumps(json.loads(config_file.read_text()) | {"epochs": 4}))
    resumed = trainer.resume(run_dir, text)
    assert resumed["epochs_run"] == 4
    assert resumed["test"] == pytest.approx(first["test"], abs=1e-4)
    assert resumed["best_epoch"] == first["best_epoch"]


def test_pop_runs_one_pass(tmp_path: Path) -> None:
    _, metrics = trainer.train_new(tiny_graph(), small_config(model="pop"), tmp_path)
    assert metrics["epochs_run"] == 1 and metrics["test"]["hit@20"] > 0


def test_config_precedence(tmp_path: Path) -> None:
    file = tmp_path / "train.yaml"
    file.write_text("lr: 0.1\nepochs: 7\nbatch_size: 32\n")
    config = load_config({"lr": 0.5, "epochs": None}, file, env={"KGREC_TRAIN_EPOCHS": "9",
                                                                "KGREC_TRAIN_LR": "0.2"})
    assert (config.lr, config.epochs, config.batch_size) == (0.5, 9, 32)
    with pytest.raises(KgrecError, match="KGREC_TRAIN_EPOCHS"):
        load_config({}, None, env={"KGREC_TRAIN_EPOCHS": "many"})
    file.write_text("lerning_rate: 1\n")
    with pytest.raises(KgrecError, match="train.yaml: unknown training setting 'lerning_rate'"):
        load_config({}, file, env={})


def test_cli_trains_from_saved_graph_and_lists_runs(tmp_path: Path) -> None:
    tiny_graph(with_text=False).save(tmp_path / "graph")
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path / "runs"), "KGREC_TRAIN_EMBEDDING_SIZE": "8",
                         "OMP_NUM_THREADS": "1", "COLUMNS": "250"}
    done = run_cli("train", "--model", "lightgcn", "--epochs", "2", "--from-graph", str(tmp_path / "graph"), env=env)
    assert done.returncode == 0, done.stderr
    assert "ndcg@10" in done.stdout
    listed = run_cli("evaluate", "--dataset", "tiny", env=env)
    assert "lightgcn" in listed.stdout
    bad = run_cli("train", "--model", "nosuch", "--from-graph", str(tmp_path / "graph"), env=env)
    assert bad.returncode == 1 and "unknown model 'nosuch'" in bad.stderr


def test_cli_cold_items_and_the_content_tower(tmp_path: Path) -> None:
    tiny_graph(n_users=30, n_items=40).save(tmp_path / "graph")
    env = suite_env() | {"KGREC_RUNS_DIR": str(tmp_path / "runs"), "KGREC_TRAIN_EMBEDDING_SIZE": "8",
                         "OMP_NUM_THREADS": "1", "KGREC_TRAIN_USE_TEXT": "0"}
    done = run_cli("train", "--model", "kglightgcn", "--cold-tower", "--cold-items", "0.2", "--epochs", "2",
                   "--from-graph", str(tmp_path / "graph"), "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)[0]
    assert {"cold_recall@20", "cold_ndcg@20", "warm_recall@20", "warm_ndcg@20"} <= set(row)
    run_dir = Path(row["run_dir"])
    assert (run_dir / "tower.npz").exists()
    assert json.loads((run_dir / "config.json").read_text())["cold_tower"] is True
    listed = json.loads(run_cli("evaluate", "--cold-items", "0.2", "--format", "json", env=env).stdout)
    assert [r["run"] for r in listed] == [run_dir.name] and listed[0]["cold_recall@20"] == row["cold_recall@20"]
    assert json.loads(run_cli("evaluate", "--cold-items", "0.1", "--format", "json", env=env).stdout) == []
    bad = run_cli("train", "--model", "bprmf", "--cold-tower", "--from-graph", str(tmp_path / "graph"), env=env)
    assert bad.returncode == 1 and "cold_tower is an option of" in bad.stderr


def test_softmax_contrastive_lightgcn_is_reproducible(tmp_path: Path) -> None:
    data = tiny_graph()
    config = small_config(model="lightgcn", loss="softmax", n_negatives=5, temperature=0.2, cl_weight=0.1,
                          epochs=3)
    _, first = trainer.train_new(data, config, tmp_path / "a")
    _, second = trainer.train_new(data, config, tmp_path / "b")
    assert first["test"] == pytest.approx(second["test"], abs=1e-4)
    assert first["history"][0]["loss"] == pytest.approx(second["history"][0]["loss"], abs=1e-6)
    assert first["history"][0]["loss"] > 0


def test_model_defaults_sit_under_file_env_and_cli(tmp_path: Path) -> None:
    assert load_config({"model": "lightgcn"}, env={}).loss == "softmax"
    assert load_config({"model": "bprmf"}, env={}).loss == "bpr"
    assert load_config({"model": "lightgcn"}, env={"KGREC_TRAIN_LOSS": "bpr"}).loss == "bpr"
    file = tmp_path / "train.yaml"
    file.write_text("model: lightgcn\nn_negatives: 8\n")
    config = load_config({}, file, env={})
    assert (config.loss, config.n_negatives, config.temperature) == ("softmax", 8, 0.2)
