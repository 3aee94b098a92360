"""Distributed training with DGL's own engine (DistDGL): partition, launch, record a normal run.

``train_distributed`` partitions the user–item heterograph of the run's *training* interactions with
``dgl.distributed.partition_graph`` into ``<run>/partitions/``, starts one DGL server and one trainer per
partition (:mod:`kgrec.train.dist_worker`), and afterwards records the run exactly as a single-process
run: trainer 0's best user/item tables go into kgrec's LightGCN, which propagates once over the full
graph, and :class:`kgrec.train.trainer.Trainer` evaluates and writes metrics.json, embeddings.npz, ….

On one host every partition is a simulated machine (ip_config lines ``127.0.0.1 <port>``) that runs
under ``unshare -m`` with its own tmpfs on /dev/shm: DGL names KVStore shared memory by data name only,
so two servers sharing /dev/shm overwrite each other's tensors. That needs root. With an ip_config of
real machines, :func:`plan_distributed` partitions and prints the per-machine commands instead (the
way DGL's ``tools/launch.py`` would run them); :func:`finish_distributed` records the run afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kgrec.data import GraphData
from kgrec.errors import KgrecError
from kgrec.models.config import TrainConfig
from kgrec.train import runs
from kgrec.train.dist_worker import GRAPH_NAME, IU, UI, die_with_parent, read_job
from kgrec.train.split import Split
from kgrec.train.trainer import Reporter, Trainer, TrainState, prepare_run, run_config

DEFAULT_TIMEOUT = 6 * 3600.0
LOG_TAIL_LINES = 15


@dataclass(frozen=True)
class MachineCommands:
    """What one machine runs: its DGL server and its trainer (shell command lines)."""

    ip: str
    server: str
    trainer: str


@dataclass(frozen=True)
class DistPlan:
    """A partitioned run waiting for its machines: the commands to start on each of them."""

    run_dir: Path
    part_config: Path
    machines: list[MachineCommands]


# ---------------------------------------------------------------- partitioning


def training_heterograph(data: GraphData, train_idx: np.ndarray) -> Any:
    """user -interacts-> item and its reverse from the training pairs, with LightGCN's d^-1/2 per node."""
    import dgl

    pairs = torch.from_numpy(data.interactions[train_idx].astype(np.int64))
    users, items = pairs[:, 0], pairs[:, 1]
    g = dgl.heterograph({UI: (users, items), IU: (items, users)},
                        num_nodes_dict={"user": data.num_users, "item": data.num_items})
    for nt, etype in (("user", IU), ("item", UI)):
        g.nodes[nt].data["norm"] = g.in_degrees(etype=etype).float().clamp(min=1).pow(-0.5)
    return g


def partition(data: GraphData, split: Split, config: TrainConfig, run_dir: Path) -> Path:
    """Partition the training graph into ``<run>/partitions/`` (plus mapping.pt: original id per new id)."""
    import dgl

    out = run_dir / "partitions"
    out.mkdir()
    g = training_heterograph(data, split.train)
    with (out / "partition.log").open("w") as log, contextlib.redirect_stdout(log):   # DGL's per-part report
        orig_nid, _ = dgl.distributed.partition_graph(g, GRAPH_NAME, config.parts, str(out), num_hops=1,
                                                      part_method=config.part_method, return_mapping=True)
    if not isinstance(orig_nid, dict):                     # one partition: ids are kept
        orig_nid = {nt: torch.arange(g.num_nodes(nt)) for nt in g.ntypes}
    torch.save({nt: orig_nid[nt] for nt in g.ntypes}, out / "mapping.pt")
    return out / f"{GRAPH_NAME}.json"


# ---------------------------------------------------------------- job description


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_ip_config(path: Path) -> list[list[str]]:
    """The machines, one ``ip [port]`` per non-empty line (DGL's format; its default port is 30050)."""
    if not path.exists():
        raise KgrecError(f"{path}: ip config file not found")
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise KgrecError(f"{path}: ip config lists no machine")
    for number, line in enumerate(lines, 1):
        if len(line) > 2 or (len(line) == 2 and not line[1].isdigit()):
            raise KgrecError(f"{path}: machine {number} must be 'ip [port]', got {' '.join(line)!r}")
    return lines


def write_job(run_dir: Path, part_config: Path, ip_config: Path, ips: list[str], local: bool) -> dict[str, Any]:
    """``<run>/distributed/job.json``: every machine's server and trainer environment (launch.py's DGL_* vars)."""
    n = len(ips)
    common = {"DGL_NUM_SAMPLER": "0", "DGL_NUM_CLIENT": str(n), "DGL_CONF_PATH": str(part_config),
              "DGL_IP_CONFIG": str(ip_config), "DGL_NUM_SERVER": "1", "DGL_GRAPH_FORMAT": "csc,coo",
              "DGLBACKEND": "pytorch", "PYTHONUNBUFFERED": "1"}
    master_port = str(free_port())
    machines = []
    for m, ip in enumerate(ips):
        trainer = common | {"DGL_DIST_MODE": "distributed", "DGL_ROLE": "client", "DGL_GROUP_ID": "0",
                            "MASTER_ADDR": ips[0], "MASTER_PORT": master_port, "RANK": str(m),
                            "WORLD_SIZE": str(n), "LOCAL_RANK": "0"}
        if local:
            trainer["KGREC_DIST_MACHINE_ID"] = str(m)
        machines.append({"ip": ip, "server_env": common | {"DGL_ROLE": "server", "DGL_SERVER_ID": str(m)},
                         "trainer_env": trainer})
    job = {"part_config": str(part_config), "part_dir": str(part_config.parent), "ip_config": str(ip_config),
           "machines": machines}
    runs.write_json(run_dir / "distributed" / "job.json", job)
    return job


def local_ip_config(run_dir: Path, parts: int) -> Path:
    path = run_dir / "distributed" / "ip_config.txt"
    path.write_text("".join(f"127.0.0.1 {free_port()}\n" for _ in range(parts)))
    return path


# ---------------------------------------------------------------- one host


def check_isolation() -> None:
    """One-host runs need ``unshare -m`` and ``mount`` as root (a private /dev/shm per partition)."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        raise KgrecError("distributed training on one host runs every partition in its own /dev/shm "
                         "(unshare -m + a tmpfs mount), which needs root and util-linux",
                         hint="train without --distributed, or on real machines with --ip-config FILE")


def start_machines(run_dir: Path, parts: int) -> list[subprocess.Popen]:
    procs = []
    for m in range(parts):
        log = (run_dir / "distributed" / f"machine-{m}.log").open("w")
        cmd = ["unshare", "-m", "--propagation", "private", sys.executable, "-m", "kgrec.train.dist_worker",
               "machine", str(run_dir), str(m)]
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=die_with_parent,
                                      env=os.environ | {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}))
        log.close()
    return procs


def stop_machines(procs: list[subprocess.Popen]) -> None:
    """Kill every process of every machine (each machine is its own process group), then reap them."""
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def log_tail(run_dir: Path, machine: int) -> str:
    lines = (run_dir / "distributed" / f"machine-{machine}.log").read_text(errors="replace").splitlines()
    return "\n".join(line for line in lines[-LOG_TAIL_LINES:] if "IP address not available" not in line)


def wait_machines(run_dir: Path, procs: list[subprocess.Popen], timeout: float) -> None:
    """Until every machine exits 0; a failure or the timeout raises (the caller kills the rest)."""
    deadline = time.monotonic() + timeout
    while any(p.poll() is None for p in procs):
        failed = [m for m, p in enumerate(procs) if p.returncode not in (None, 0)]
        if failed:
            raise KgrecError(f"distributed training failed on machine {failed[0]} (exit {procs[failed[0]].returncode}):"
                             f"\n{log_tail(run_dir, failed[0])}", hint=f"logs: {run_dir / 'distributed'}")
        if time.monotonic() > deadline:
            raise KgrecError(f"distributed training did not finish within {timeout:.0f} s; stopped it",
                             hint=f"logs: {run_dir / 'distributed'}")
        time.sleep(0.2)
    failed = [m for m, p in enumerate(procs) if p.returncode != 0]
    if failed:
        raise KgrecError(f"distributed training failed on machine {failed[0]} (exit {procs[failed[0]].returncode}):"
                         f"\n{log_tail(run_dir, failed[0])}", hint=f"logs: {run_dir / 'distributed'}")


def raise_on_sigterm(signum: int, frame: Any) -> None:
    raise KgrecError("distributed training was terminated (SIGTERM); stopped its servers and trainers")


def run_local(run_dir: Path, parts: int, timeout: float) -> None:
    """Run the job's simulated machines; whatever happens, none of their processes outlives this call."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, raise_on_sigterm) if main_thread else None
    procs = start_machines(run_dir, parts)
    try:
        wait_machines(run_dir, procs, timeout)
    finally:
        stop_machines(procs)
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------- the run


def distributed_config(config: TrainConfig) -> TrainConfig:
    """The recorded config: neighbour-sampled, id embeddings only (no text projection in DistDGL)."""
    if not config.distributed:
        raise KgrecError("train_distributed needs a config with distributed = true")
    return replace(config, sampler="neighbor", use_text=False)


def setup(data: GraphData, config: TrainConfig, root: Path, split: Split | None, tag: str
          ) -> tuple[Path, Split, Path, float]:
    run_dir, split = prepare_run(data, distributed_config(config), root, split, tag)
    (run_dir / "distributed").mkdir()
    started = time.perf_counter()
    part_config = partition(data, split, config, run_dir)
    return run_dir, split, part_config, time.perf_counter() - started


def train_distributed(data: GraphData, config: TrainConfig, root: Path, split: Split | None = None,
                      tag: str = "", reporter: Reporter | None = None, timeout: float = DEFAULT_TIMEOUT
                      ) -> tuple[Path, dict[str, Any]]:
    """Partition, train with ``config.parts`` local servers + trainers, and record a normal run."""
    check_isolation()
    run_dir, split, part_config, partition_seconds = setup(data, config, root, split, tag)
    write_job(run_dir, part_config, local_ip_config(run_dir, config.parts), ["127.0.0.1"] * config.parts,
              local=True)
    started = time.perf_counter()
    run_local(run_dir, config.parts, timeout)
    timing = {"partition_seconds": round(partition_seconds, 2),
              "job_seconds": round(time.perf_counter() - started, 2)}
    return run_dir, finish_distributed(run_dir, data, split, reporter, timing)


def plan_distributed(data: GraphData, config: TrainConfig, root: Path, ip_config: Path,
                     split: Split | None = None, tag: str = "") -> DistPlan:
    """Partition for the machines of ``ip_config`` and describe what each of them runs."""
    machines = read_ip_config(ip_config)
    if len(machines) != config.parts:
        raise KgrecError(f"{ip_config}: lists {len(machines)} machines but --parts is {config.parts} "
                         "(one partition per machine)")
    run_dir, split, part_config, _ = setup(data, config, root, split, tag)
    copied = run_dir / "distributed" / "ip_config.txt"
    copied.write_text("".join(" ".join(line) + "\n" for line in machines))
    job = write_job(run_dir, part_config, copied, [line[0] for line in machines], local=False)
    return DistPlan(run_dir, part_config, [machine_commands(run_dir, m) for m in job["machines"]])


def machine_commands(run_dir: Path, machine: dict[str, Any]) -> MachineCommands:
    """launch.py style: ssh into the machine, cd, export the DGL_* variables, run the role."""
    def line(env: dict[str, str], role: str) -> str:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        inner = f"cd {shlex.quote(os.getcwd())}; (export {exports}; {sys.executable} -m kgrec.train.dist_worker " \
                f"{role} {shlex.quote(str(run_dir))})"
        return f"ssh -o StrictHostKeyChecking=no {machine['ip']} {shlex.quote(inner)}"
    return MachineCommands(machine["ip"], line(machine["server_env"], "server"),
                           line(machine["trainer_env"], "trainer"))


def finish_distributed(run_dir: Path, data: GraphData | None = None, split: Split | None = None,
                       reporter: Reporter | None = None, timing: dict[str, float] | None = None) -> dict[str, Any]:
    """Record a finished distributed job as a normal run: trainer 0's best tables, one full-graph LightGCN
    propagation, kgrec's evaluator (metrics.json, embeddings.npz, curve.png, checkpoints/best.pt)."""
    from kgrec.train.trainer import load_run

    dist = run_dir / "distributed"
    if not (dist / "best.npz").exists() or not (dist / "history.json").exists():
        raise KgrecError(f"{run_dir}: the distributed job has not finished (no distributed/best.npz)",
                         hint=f"see the logs in {dist}")
    if data is None or split is None:
        data, _, split = load_run(run_dir)
    config = run_config(run_dir)
    recorded = runs.read_json(dist / "history.json")
    trainer = Trainer(data, config, run_dir, split, None, reporter)
    with np.load(dist / "best.npz") as tables, torch.no_grad():
        trainer.model.users.embedding.weight.copy_(torch.from_numpy(tables["user"]))
        trainer.model.items.embedding.weight.copy_(torch.from_numpy(tables["item"]))
    torch.save(trainer.model.state_dict(), trainer.checkpoints / "best.pt")
    history = recorded["history"]
    wall = (timing or {}).get("job_seconds", history[-1]["seconds"])   # the whole job: start-up included
    trainer.state = TrainState(epoch=history[-1]["epoch"], best_epoch=recorded["best_epoch"],
                               best_score=recorded["best_score"], wall_seconds=wall, history=history)
    if reporter is not None:
        reporter.on_start(0, config.epochs)
        for record in history:
            reporter.on_epoch(record)
    metrics = trainer.finish()
    summaries = [runs.read_json(p) for p in sorted(dist.glob("trainer-*.json"))]
    metrics["distributed"] = {"parts": config.parts, "part_method": config.part_method,
                              "trainers": summaries, **(timing or {})}
    runs.write_json(run_dir / "metrics.json", metrics)
    return metrics


__all__ = ["DistPlan", "MachineCommands", "finish_distributed", "plan_distributed", "read_job",
           "train_distributed", "training_heterograph"]
