"""Issue 12's "done when" for distributed training: a 2-part DistDGL run trained from the real Neo4j is a
run that write-back and recommend accept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import kgrec
from kgrec.serve.vectors import load_run
from tests.conftest import TEST_ENV

ISOLATION = os.geteuid() == 0 and shutil.which("unshare") is not None


@pytest.mark.skipif(not ISOLATION, reason="one-host DistDGL needs root and unshare (a private /dev/shm per part)")
def test_a_two_part_distributed_run_is_written_back_and_recommends(graph, monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("NEO4J_")]:
        monkeypatch.delenv(name)
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KGREC_CONFIG", "/nonexistent/kgrec.toml")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with kgrec.connect(runs_dir=tmp_path / "runs") as kg:
        kg.load("synthetic", users=40, items=60, events=600, seed=3, dataset="dist")
        result = kg.train("lightgcn", dataset="dist", distributed=True, parts=2, epochs=2, threads=1,
                          embedding_size=8, batch_size=64, fanouts="5,5").result
        assert result.dataset == "dist" and np.isfinite(result.test["ndcg@10"])
        version = kg.write_back(result.run_id)
        recs = kg.recommend("u1", k=5)
    assert version.active and recs.model == version.version and len(recs.items) == 5
    run = load_run(result.run_dir)                                # the vectors the run recorded
    users, items = ({str(k): n for n, k in enumerate(run.graph.keys[label])} for label in ("User", "Item"))
    user = run.embeddings["User"][users["dist:u1"]]
    expected = [float(run.embeddings["Item"][items[f"dist:{item.id}"]] @ user) for item in recs.items]
    np.testing.assert_allclose([item.score for item in recs.items], expected, rtol=0, atol=1e-4)  # 4 decimals
    assert expected == sorted(expected, reverse=True)
