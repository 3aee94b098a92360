"""Distributed training with DistDGL (issue 12): partitions, local servers + trainers, a normal run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import kgrec
from kgrec.errors import KgrecError
from kgrec.models.config import load_config
from kgrec.serve.vectors import load_run
from kgrec.settings import Settings
from kgrec.train.distributed import finish_distributed, partition, plan_distributed, training_heterograph
from kgrec.train.runs import RunStore
from kgrec.train.split import make_split
from kgrec.train.trainer import resume
from tests.train_fixtures import tiny_graph

ISOLATION = os.geteuid() == 0 and shutil.which("unshare") is not None
SMALL = {"embedding_size": 8, "n_negatives": 3, "batch_size": 16, "fanouts": "5,5"}


def dist_config(**settings):
    return load_config({"model": "lightgcn", "distributed": True, **SMALL, **settings}, env={})


@pytest.mark.skipif(not ISOLATION, reason="one-host DistDGL needs root and unshare (a private /dev/shm per part)")
def test_two_partition_job_records_a_normal_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tiny_graph(with_text=False).save(tmp_path / "graph")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    settings = Settings(uri="bolt://127.0.0.1:1", home=tmp_path / "home")       # nothing listens there
    with kgrec.Kgrec(settings, RunStore(tmp_path / "runs")) as kg:
        result = kg.train("lightgcn", from_graph=tmp_path / "graph", distributed=True, parts=2, epochs=3,
                          threads=1, **SMALL).result
    run = load_run(result.run_dir)                          # what write-back and recommend load
    assert run.embeddings["User"].shape == (12, 8) and run.embeddings["Item"].shape == (20, 8)
    assert all(np.isfinite(result.test[k]) and 0 < result.test[k] <= 1 for k in ("ndcg@10", "recall@20"))
    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    assert [t["rank"] for t in metrics["distributed"]["trainers"]] == [0, 1]
    assert [t["partition"] for t in metrics["distributed"]["trainers"]] == [0, 1]
    assert sum(t["train_edges"] for t in metrics["distributed"]["trainers"]) == len(make_split(run.graph, 2020).train)
    assert all(t["epochs"] == 3 and len(t["local_loss"]) == 3 and t["batch_size"] == 8    # 16 = global batch
               for t in metrics["distributed"]["trainers"])
    assert len(metrics["history"]) == 3 and "valid_ndcg@10" in metrics["history"][0]
    assert metrics["wall_seconds"] == metrics["distributed"]["job_seconds"] > metrics["history"][-1]["seconds"]
    config = json.loads((result.run_dir / "config.json").read_text())
    assert (config["distributed"], config["parts"], config["part_method"]) == (True, 2, "metis")
    assert (result.run_dir / "partitions" / "kgrec.json").exists() and (result.run_dir / "split.npz").exists()
    assert not [p for p in Path("/dev/shm").iterdir() if "kvdata" in p.name]     # each part had its own shm
    with pytest.raises(KgrecError, match="trained with --distributed, which cannot be resumed"):
        resume(result.run_dir)
    (result.run_dir / "metrics.json").unlink()                 # as after a job on several machines
    with kgrec.Kgrec(settings, RunStore(tmp_path / "runs")) as kg:
        again = kg.finish_distributed(result.run_id)
    assert again.test == result.test and again.best_epoch == result.best_epoch


def processes_of(run_dir: Path) -> list[int]:
    """Live processes whose command line names ``run_dir``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(run_dir) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not ISOLATION, reason="one-host DistDGL needs root and unshare (a private /dev/shm per part)")
def test_a_job_past_its_timeout_is_stopped_with_every_server_and_trainer(tmp_path: Path) -> None:
    from kgrec.train.distributed import train_distributed

    with pytest.raises(KgrecError, match="did not finish within 1 s; stopped it"):
        train_distributed(tiny_graph(with_text=False), dist_config(parts=2, epochs=50), tmp_path, timeout=1.0)
    (run_dir,) = list(tmp_path.iterdir())
    assert (run_dir / "distributed" / "machine-1.log").exists() and not (run_dir / "metrics.json").exists()
    assert processes_of(run_dir) == []


def test_negatives_follow_the_single_process_distribution_in_partitioned_ids(tmp_path: Path) -> None:
    from kgrec.train.dist_worker import UI, KgrecNegatives
    from kgrec.train.trainer import prepare_run

    data = tiny_graph(with_text=False)
    run_dir, split = prepare_run(data, dist_config(n_negatives=5), tmp_path)
    orig_nid = {"user": torch.randperm(12, generator=torch.Generator().manual_seed(1)),
                "item": torch.randperm(20, generator=torch.Generator().manual_seed(2))}
    pairs = data.interactions[split.train]
    dist_user = torch.argsort(orig_nid["user"])[torch.from_numpy(pairs[:, 0])]   # kgrec id -> partitioned id

    class Edges:                                   # stands in for the DistGraph: edge i = training pair i
        def find_edges(self, eids, etype):
            assert etype == UI
            return dist_user[eids], None

    src, dst = KgrecNegatives(run_dir, orig_nid, seed=0)(Edges(), {UI: torch.arange(len(pairs))})[UI]
    assert src.tolist() == dist_user.repeat_interleave(5).tolist()
    users, items = orig_nid["user"][src].numpy(), orig_nid["item"][dst].numpy()
    training = {(int(u), int(i)) for u, i in pairs}
    assert not any((int(u), int(i)) in training for u, i in zip(users, items, strict=True))
    assert set(items.tolist()) <= set(pairs[:, 1].tolist())                   # warm items only


def test_partitions_keep_every_training_edge_and_map_back_to_kgrec_ids(tmp_path: Path) -> None:
    data = tiny_graph(with_text=False)
    split = make_split(data, 0)
    part_config = partition(data, split, dist_config(parts=2, part_method="random"), tmp_path)
    mapping = torch.load(tmp_path / "partitions" / "mapping.pt")
    assert sorted(mapping["user"].tolist()) == list(range(12)) and sorted(mapping["item"].tolist()) == list(range(20))
    meta = json.loads(part_config.read_text())
    assert meta["num_parts"] == 2 and meta["part_method"] == "random"
    g = training_heterograph(data, split.train)
    assert g.num_edges("interacts") == len(split.train)
    degree = np.bincount(data.interactions[split.train, 0], minlength=12)
    np.testing.assert_allclose(g.nodes["user"].data["norm"].numpy(), np.maximum(degree, 1) ** -0.5, rtol=1e-6)


def test_an_ip_config_of_machines_gives_each_machine_its_commands(tmp_path: Path) -> None:
    data = tiny_graph(with_text=False)
    ips = tmp_path / "ip_config.txt"
    ips.write_text("10.0.0.1 30050\n\n10.0.0.2\n")
    plan = plan_distributed(data, dist_config(parts=2, part_method="random"), tmp_path / "runs", ips)
    assert [m.ip for m in plan.machines] == ["10.0.0.1", "10.0.0.2"]
    assert plan.machines[1].server.startswith("ssh -o StrictHostKeyChecking=no 10.0.0.2 ")
    assert "DGL_ROLE=server" in plan.machines[1].server and "DGL_SERVER_ID=1" in plan.machines[1].server
    assert "RANK=1" in plan.machines[1].trainer and "MASTER_ADDR=10.0.0.1" in plan.machines[1].trainer
    assert "KGREC_DIST_MACHINE_ID" not in plan.machines[1].trainer        # real machines know their id
    assert (plan.run_dir / "partitions" / "part1").is_dir()
    with pytest.raises(KgrecError, match="the distributed job has not finished"):
        finish_distributed(plan.run_dir)
    assert (plan.run_dir / "distributed" / "ip_config.txt").read_text() == "10.0.0.1 30050\n10.0.0.2\n"
    with pytest.raises(KgrecError, match="lists 2 machines but --parts is 3"):
        plan_distributed(data, dist_config(parts=3), tmp_path / "runs", ips)
    ips.write_text("10.0.0.1 port 30050\n")
    with pytest.raises(KgrecError, match="machine 1 must be 'ip \\[port\\]'"):
        plan_distributed(data, dist_config(parts=1), tmp_path / "runs", ips)


@pytest.mark.parametrize(("bad", "message"), [
    ({"model": "kgat"}, "distributed training is implemented for lightgcn, not kgat"),
    ({"parts": 0}, "parts must be ≥ 1"),
    ({"part_method": "spectral"}, "part_method must be metis or random"),
    ({"cl_weight": 0.1}, "no contrastive option"),
    ({"fanouts": "10"}, "fanouts needs one entry per layer"),
])
def test_unsupported_distributed_settings_are_refused(bad: dict, message: str) -> None:
    with pytest.raises(KgrecError, match=message):
        dist_config(**bad)


def test_without_root_one_host_runs_are_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from kgrec.train import distributed

    monkeypatch.setattr(distributed.os, "geteuid", lambda: 1000)
    with pytest.raises(KgrecError, match="needs root") as caught:
        distributed.train_distributed(tiny_graph(with_text=False), dist_config(parts=2), tmp_path)
    assert "--ip-config" in caught.value.hint and not (tmp_path).joinpath("runs").exists()
