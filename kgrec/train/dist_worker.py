"""DistDGL processes of one distributed training job (``python -m kgrec.train.dist_worker ROLE RUN_DIR``).

Roles, as DGL's ``tools/launch.py`` starts them (DGL_* environment variables set by the launcher):

- ``server``: one DGL graph/KVStore server of a partition (``dgl.distributed.initialize`` never returns);
- ``trainer``: one trainer: LightGCN on neighbour-sampled mini-batches over the ``DistGraph``, sparse id
  embeddings (``DistEmbedding`` + ``SparseAdam``), softmax/BPR loss with the single-process trainer's
  negatives (warm items, the user's training items redrawn). Trainer 0
  evaluates validation NDCG@10 with kgrec's full-ranking evaluator and keeps the best tables;
- ``machine``: one simulated machine on a single host (its server, then its trainer), run by the
  launcher under ``unshare -m`` with a private tmpfs on /dev/shm, because DGL names its KVStore shared
  memory only by the data name and two servers on one host would overwrite each other.

Files under ``<run>/distributed/``: ``job.json`` (written by the launcher), ``trainer-<rank>.json`` (each
trainer's summary), ``history.json`` and ``best.npz`` (trainer 0: per-epoch records and the best
user/item tables in the original node order).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kgrec.train.runs import read_json, write_json

UI = ("user", "interacts", "item")
IU = ("item", "rev_interacts", "user")
NTYPES = ("user", "item")
INCOMING = {"user": IU, "item": UI}
GRAPH_NAME = "kgrec"
SERVER_START_SECONDS = 2.0


def read_job(run_dir: Path) -> dict[str, Any]:
    return read_json(run_dir / "distributed" / "job.json")


def init_embedding(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    """The single-process models' init (normal, std 0.1); top-level so DGL can pickle it to the servers."""
    return torch.empty(shape, dtype=dtype).normal_(0, 0.1)


# ---------------------------------------------------------------- roles


def run_server() -> None:
    import dgl

    dgl.distributed.initialize(os.environ["DGL_IP_CONFIG"])   # serves until the trainers exit


def die_with_parent() -> None:
    """``preexec_fn``: the kernel kills this child (SIGKILL) when the process that started it dies."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_machine(run_dir: Path, machine: int) -> int:
    """Inside a private mount namespace: a private /dev/shm, this machine's server, then its trainer."""
    subprocess.check_call(["mount", "-t", "tmpfs", "-o", "size=1g", "tmpfs", "/dev/shm"])
    spec = read_job(run_dir)["machines"][machine]
    cmd = [sys.executable, "-m", "kgrec.train.dist_worker"]
    procs = [subprocess.Popen(cmd + ["server", str(run_dir)], env=os.environ | spec["server_env"],
                              preexec_fn=die_with_parent)]
    time.sleep(SERVER_START_SECONDS)
    procs.append(subprocess.Popen(cmd + ["trainer", str(run_dir)], env=os.environ | spec["trainer_env"],
                                  preexec_fn=die_with_parent))
    while any(p.poll() is None for p in procs):
        if any(p.returncode not in (None, 0) for p in procs):
            for p in procs:
                if p.poll() is None:
                    p.kill()
            break
        time.sleep(0.2)
    return max(abs(p.wait()) for p in procs)


# ---------------------------------------------------------------- trainer


class DistLightGCN:
    """LightGCN over sampled blocks of a ``DistGraph``: the same normalisation as the single-process
    sampled mode (``kgrec.models.lightgcn.LightGCN.sampled_final``), with ``DistEmbedding`` inputs."""

    def __init__(self, g: Any, config: Any) -> None:
        import dgl

        self.g, self.config = g, config
        self.emb = {nt: dgl.distributed.DistEmbedding(g.num_nodes(nt), config.embedding_size, name=f"{nt}_emb",
                                                      init_func=init_embedding,
                                                      part_policy=g.get_node_partition_policy(nt))
                    for nt in NTYPES}

    def norm(self, nt: str, ids: torch.Tensor) -> torch.Tensor:
        return self.g.nodes[nt].data["norm"][ids][:, None]

    def layers(self, input_nodes: dict[str, torch.Tensor], blocks: list[Any]
               ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """(final vectors, input vectors) of the seed nodes (the last block's destinations)."""
        import dgl
        import dgl.function as fn

        h = {nt: self.emb[nt](input_nodes[nt]) for nt in NTYPES}
        seeds = {nt: blocks[-1].num_dst_nodes(nt) for nt in NTYPES}
        layers = [{nt: h[nt][:seeds[nt]] for nt in NTYPES}]
        for block in blocks:
            with block.local_scope():
                for nt in NTYPES:
                    block.srcnodes[nt].data["h"] = h[nt] * self.norm(nt, block.srcnodes[nt].data[dgl.NID])
                block.multi_update_all({et: (fn.copy_u("h", "m"), fn.sum("m", "h")) for et in (UI, IU)}, "sum")
                out = {}
                for nt in NTYPES:
                    dst = block.dstnodes[nt].data[dgl.NID]
                    summed = block.dstnodes[nt].data.get("h", torch.zeros(len(dst), self.config.embedding_size))
                    sampled = block.in_degrees(etype=INCOMING[nt]).clamp(min=1).float()[:, None]
                    out[nt] = summed * self.norm(nt, dst).pow(-1) / sampled
            h = out
            layers.append({nt: h[nt][:seeds[nt]] for nt in NTYPES})
        final = {nt: torch.stack([layer[nt] for layer in layers]).mean(0) for nt in NTYPES}
        return final, layers[0]

    def loss(self, input_nodes: dict[str, torch.Tensor], pos_g: Any, neg_g: Any, blocks: list[Any]) -> torch.Tensor:
        from kgrec.models.base import l2_reg, scores_loss

        final, ego = self.layers(input_nodes, blocks)
        users, items = final["user"], final["item"]
        if self.config.loss == "softmax":
            users, items = (torch.nn.functional.normalize(t, dim=-1) for t in (users, items))
        pu, pi = pos_g.edges(etype=UI)
        nu, ni = neg_g.edges(etype=UI)
        b, k = len(pu), self.config.n_negatives
        pos = (users[pu] * items[pi]).sum(-1)[:, None]
        neg = (users[nu] * items[ni]).sum(-1).view(b, k)
        reg = l2_reg(ego["user"][pu], ego["item"][pi], ego["item"][ni.view(b, k)[:, 0]])
        return scores_loss(self.config, pos, neg) + self.config.reg_weight * reg

    def tables(self, orig_nid: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """The full input tables pulled from the servers, in the original (kgrec) node order."""
        out = {}
        for nt in NTYPES:
            n = self.g.num_nodes(nt)
            pulled = self.emb[nt].weight[torch.arange(n)]
            table = torch.empty_like(pulled)
            table[orig_nid[nt]] = pulled
            out[nt] = table.numpy()
        return out


class Validator:
    """Trainer 0's validation: kgrec's LightGCN (full graph) with the pulled tables, full ranking."""

    def __init__(self, run_dir: Path) -> None:
        from kgrec.models import build_model
        from kgrec.train.trainer import load_run

        self.data, config, self.split = load_run(run_dir)
        self.config = replace(config, sampler="full")
        self.model = build_model(self.data, self.split.train, self.config, None)

    def valid(self, tables: dict[str, np.ndarray]) -> dict[str, float]:
        from kgrec.train.trainer import evaluate

        with torch.no_grad():
            self.model.users.embedding.weight.copy_(torch.from_numpy(tables["user"]))
            self.model.items.embedding.weight.copy_(torch.from_numpy(tables["item"]))
        self.model.train()                      # drops cached vectors
        return evaluate(self.model, self.data, self.split, "valid", self.config.ks)


def pin_machine_id() -> None:
    """One host simulating several machines: every ip_config line is 127.0.0.1, so DGL would call every
    trainer machine 0; pin this trainer's machine (= partition) id instead."""
    if "KGREC_DIST_MACHINE_ID" in os.environ:
        import dgl.distributed.rpc_client as rpc_client

        machine = int(os.environ["KGREC_DIST_MACHINE_ID"])
        rpc_client.get_local_machine_id = lambda namebook: machine


class KgrecNegatives:
    """DGL negative sampler with the single-process trainer's distribution: ``n_negatives`` per positive from
    the warm items (``negative_pool``), redrawn while they hit one of the user's training items
    (:class:`kgrec.train.trainer.NegativeSampler`), translated between partitioned and kgrec ids."""

    def __init__(self, run_dir: Path, orig_nid: dict[str, torch.Tensor], seed: int) -> None:
        from kgrec.train.trainer import NegativeSampler, load_run

        data, self.config, split = load_run(run_dir)
        pairs = data.interactions[split.train]
        pool = np.unique(pairs[:, 1]) if self.config.negative_pool == "warm" else None
        self.sampler = NegativeSampler(pairs, data.num_items, pool)
        self.user_kgrec = orig_nid["user"].numpy()
        self.item_dist = np.empty(len(orig_nid["item"]), np.int64)
        self.item_dist[orig_nid["item"].numpy()] = np.arange(len(orig_nid["item"]))
        self.rng = np.random.default_rng(seed)

    def __call__(self, g: Any, eids: Any) -> dict[tuple[str, str, str], tuple[torch.Tensor, torch.Tensor]]:
        eids = eids[UI] if isinstance(eids, dict) else eids
        src, _ = g.find_edges(eids, etype=UI)
        src = src.repeat_interleave(self.config.n_negatives)
        items = self.sampler.sample(self.user_kgrec[src.numpy()], self.rng)
        return {UI: (src, torch.from_numpy(self.item_dist[items]).to(src.dtype))}


def trainer_batch_size(config: Any, world: int) -> int:
    """``batch_size`` is the global batch: each of ``world`` trainers takes its share per step (SparseAdam
    averages the trainers' gradients of a row), so an epoch has as many updates as a single-process one."""
    return max(1, -(-config.batch_size // world))


def make_loader(g: Any, config: Any, eids: torch.Tensor, batch_size: int, negatives: KgrecNegatives) -> Any:
    import dgl

    fanouts = [int(f) for f in config.fanouts.split(",")]
    sampler = dgl.dataloading.MultiLayerNeighborSampler([{UI: f, IU: f} for f in fanouts])
    return dgl.dataloading.DistEdgeDataLoader(g, {UI: eids}, sampler, negative_sampler=negatives,
                                              batch_size=batch_size, shuffle=True, drop_last=False)


def global_min(value: int) -> int:
    tensor = torch.tensor([value])
    torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.MIN)
    return int(tensor)


def global_mean(total: float, count: int) -> float:
    tensor = torch.tensor([total, count], dtype=torch.float64)
    torch.distributed.all_reduce(tensor)
    return float(tensor[0] / max(tensor[1], 1))


def broadcast_flag(flag: bool) -> bool:
    tensor = torch.tensor([int(flag)])
    torch.distributed.broadcast(tensor, 0)
    return bool(tensor)


def train_epoch(model: DistLightGCN, optimizer: Any, loader: Any, steps: int) -> tuple[float, int]:
    """One pass over this trainer's edges, ``steps`` optimiser steps; (loss sum, positives)."""
    total, n = 0.0, 0
    for step, (input_nodes, pos_g, neg_g, blocks) in enumerate(loader):
        if step >= steps:
            continue                                   # drain the loader without stepping
        loss = model.loss(input_nodes, pos_g, neg_g, blocks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, n = total + float(loss) * pos_g.num_edges(UI), n + pos_g.num_edges(UI)
    return total, n


@dataclass
class EarlyStopping:
    """Trainer 0's record of the best validation epoch; its best tables go to ``distributed/best.npz``."""

    out: Path
    patience: int
    best: float = -1.0
    best_epoch: int = -1
    bad: int = 0

    def update(self, epoch: int, score: float, tables: dict[str, np.ndarray]) -> bool:
        """Record ``epoch``'s score; True when training should stop."""
        if score > self.best:
            self.best, self.best_epoch, self.bad = score, epoch, 0
            np.savez(self.out / "best.npz", **tables)
        else:
            self.bad += 1
        return self.bad >= self.patience


def run_trainer(run_dir: Path) -> None:
    import dgl

    from kgrec.train.trainer import MONITOR, run_config

    pin_machine_id()
    job, config, out = read_job(run_dir), run_config(run_dir), run_dir / "distributed"
    dgl.distributed.initialize(os.environ["DGL_IP_CONFIG"])
    torch.distributed.init_process_group(backend="gloo")
    rank = torch.distributed.get_rank()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed * 1_000 + rank)
    g = dgl.distributed.DistGraph(GRAPH_NAME, part_config=job["part_config"])
    model = DistLightGCN(g, config)
    optimizer = dgl.distributed.optim.SparseAdam(list(model.emb.values()), lr=config.lr)
    eids = dgl.distributed.edge_split(torch.ones(g.num_edges(UI), dtype=torch.bool), g.get_partition_book(),
                                      etype=UI, force_even=True)
    orig_nid = {nt: torch.as_tensor(v) for nt, v in torch.load(Path(job["part_dir"]) / "mapping.pt").items()}
    batch_size = trainer_batch_size(config, torch.distributed.get_world_size())
    loader = make_loader(g, config, eids, batch_size, KgrecNegatives(run_dir, orig_nid, config.seed * 1_000 + rank))
    # SparseAdam.step() is collective: every trainer takes the same number of steps per epoch
    steps = global_min((len(eids) + batch_size - 1) // batch_size)
    validator = Validator(run_dir) if rank == 0 else None
    stopping = EarlyStopping(out, config.patience)
    history: list[dict[str, Any]] = []
    started, losses = time.perf_counter(), []
    for epoch in range(config.epochs):
        torch.manual_seed(config.seed * 100_003 + epoch * 1_000 + rank)
        total, n = train_epoch(model, optimizer, loader, steps)
        record: dict[str, Any] = {"epoch": epoch, "loss": global_mean(total, n)}
        losses.append(total / max(n, 1))
        stop = False
        if validator is not None and ((epoch + 1) % config.eval_every == 0 or epoch == config.epochs - 1):
            tables = model.tables(orig_nid)
            valid = validator.valid(tables)
            record.update({f"valid_{k}": v for k, v in valid.items()})
            stop = stopping.update(epoch, valid[MONITOR], tables)
        record["seconds"] = round(time.perf_counter() - started, 2)
        history.append(record)
        if broadcast_flag(stop):
            break
    write_json(out / f"trainer-{rank}.json", {
        "rank": rank, "partition": int(g.get_partition_book().partid), "train_edges": int(len(eids)),
        "batch_size": batch_size, "steps_per_epoch": steps, "epochs": len(history), "local_loss": losses,
        "seconds": round(time.perf_counter() - started, 2)})
    if rank == 0:
        write_json(out / "history.json", {"history": history, "best_epoch": stopping.best_epoch,
                                     "best_score": stopping.best})
    g.barrier()
    torch.distributed.destroy_process_group()
    dgl.distributed.exit_client()                          # trainer 0's exit stops the servers


def main(argv: list[str]) -> int:
    role, run_dir = argv[0], Path(argv[1])
    if role == "server":
        run_server()
    elif role == "trainer":
        run_trainer(run_dir)
    elif role == "machine":
        return run_machine(run_dir, int(argv[2]))
    else:
        raise SystemExit(f"unknown role {role!r} (server, trainer or machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
