"""The Python API: lazy imports, settings precedence, training from a saved graph without a server,
typed errors, the run store, node keys, identifier quoting and the text encoder's model checks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kgrec
from kgrec import keys
from kgrec.cypher import quote_identifier, splice
from kgrec.errors import ModelMismatchError, NotFoundError
from kgrec.settings import Settings
from kgrec.text import TextCache, graph_text_features
from kgrec.train.runs import RunStore
from tests.train_fixtures import tiny_graph


def test_import_is_lazy_and_cli_help_does_not_load_the_api() -> None:
    code = ("import sys, kgrec; assert 'kgrec.api' not in sys.modules and 'numpy' not in sys.modules; "
            "import kgrec.cli; assert 'kgrec.api' not in sys.modules and 'torch' not in sys.modules; "
            "kgrec.connect; assert 'kgrec.api' in sys.modules; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        kgrec.nothing  # noqa: B018


def test_connect_follows_settings_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    toml = tmp_path / "kgrec.toml"
    toml.write_text('[neo4j]\nuri = "bolt://from-file:7687"\ndatabase = "filedb"\n')
    monkeypatch.setenv("NEO4J_DATABASE", "envdb")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    kg = kgrec.connect(database="argdb", config_file=toml, runs_dir=tmp_path / "runs")
    assert kg.settings.database == "argdb" and kg.settings.uri == "bolt://from-file:7687"
    assert kg.settings.sources == {"uri": "file kgrec.toml", "database": "cli"}
    assert kgrec.connect(config_file=toml).settings.database == "envdb"
    assert kg.runs.root == tmp_path / "runs" and kg._graph is None      # nothing connected yet
    kg.close()


def test_train_from_a_saved_graph_needs_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_graph(with_text=False).save(tmp_path / "graph")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    settings = Settings(uri="bolt://127.0.0.1:1", home=tmp_path / "home")       # nothing listens there
    with kgrec.Kgrec(settings, RunStore(tmp_path / "runs")) as kg:
        outcome = kg.train("bprmf", from_graph=tmp_path / "graph", epochs=2, embedding_size=8, threads=1)
        again = kg.evaluate("tiny")
    assert outcome.relations is None and outcome.result.run_dir.parent == tmp_path / "runs"
    assert [row["run"] for row in again] == [outcome.result.run_id]
    assert again[0]["ndcg@10"] == pytest.approx(outcome.result.test["ndcg@10"])
    assert RunStore(tmp_path / "runs").find(outcome.result.run_id) == outcome.result.run_dir
    with pytest.raises(NotFoundError, match="run 'nope' not found under"):
        RunStore(tmp_path / "runs").find("nope")
    with pytest.raises(NotFoundError, match="not a saved graph"):
        kgrec.Kgrec(settings).graph_data("tiny", tmp_path)


def test_keys_have_one_owner() -> None:
    assert keys.node_key("ml", 7) == "ml:7" and keys.qualify("ml", "7") == "ml:7"
    assert keys.qualify("ml", "ml:7") == "ml:7" and keys.node_id("ml", "ml:7") == "7"
    offenders = [str(p) for p in Path(kgrec.__file__).parent.rglob("*.py")
                 if p.parts[-2] in ("serve", "train", "cli") or p.name in ("export.py", "text.py", "api.py")
                 if re.search(r'f"\{dataset\}:', p.read_text())]
    assert offenders == []


def test_spliced_identifiers_are_quoted() -> None:
    assert quote_identifier("Item") == "`Item`" and quote_identifier("a`b") == "`a``b`"
    text = splice("serve/write_vectors", label=("Item", {"Item"}))
    assert "MATCH (n:`Item` {key: row.key})" in text


def test_text_cache_refuses_vectors_of_another_dimension(tmp_path: Path) -> None:
    cache = TextCache(tmp_path, "")
    cache.add(["a", "b"], np.ones((2, 4), np.float32))
    assert TextCache(tmp_path, "").dim == 4
    with pytest.raises(ModelMismatchError, match="expects 4-d text vectors but text model"):
        TextCache(tmp_path, "").add(["c"], np.ones((1, 3), np.float32))


class FakeEncoder:
    """An injected encoder: 3-d vectors from the text length."""

    name = "fake-3d"

    def encode(self, texts, progress=None) -> np.ndarray:
        return np.array([[len(t), 1.0, 0.0] for t in texts], np.float32)


def test_injected_encoder_feeds_training_features(tmp_path: Path) -> None:
    features = graph_text_features(tiny_graph(with_text=True), tmp_path, FakeEncoder())
    vectors, mask = features["Item"]
    assert vectors.shape[1] == 3 and mask.any() and (tmp_path / "fake-3d" / "model.json").exists()


def test_cold_start_refuses_an_encoder_of_another_dimension() -> None:
    from kgrec.serve.coldstart import cold_item_vectors
    from kgrec.serve.versions import ModelVersion

    version = ModelVersion("v1", "tiny", "emb_v1", "kgrec_item_v1", 5, 1.0, text_map=[0.0] * (385 * 4),
                           text_dim=384)
    rows = [{"key": "tiny:9", "text": "a new film", "text_vec": None, "neighbours": []}]
    with pytest.raises(ModelMismatchError, match="v1's text map expects 384-d text vectors but text model "
                                                 "'fake-3d' gives 3-d"):
        cold_item_vectors(version, rows, FakeEncoder())
