"""Train RecBole 1.2.1 models on pre-split atomic files and write one JSON result per model.

Runs inside benchmarks/.work/recbole-venv (see setup.sh), never in kgrec's venv:

    benchmarks/.work/recbole-venv/bin/python benchmarks/recbole/run_recbole.py \
        --data-root DIR --dataset ml-100k --models Pop,BPR,LightGCN,KGAT,KGIN --epochs 300 --out DIR

DIR/<dataset>/ must hold <dataset>.train.inter, .valid.inter, .test.inter (+ .item, and .kg/.link for
the knowledge-aware models), as written by write_atomic.py. The configuration is the one in
/work/shared/BASELINES.md (seed 2020, embedding 64, batch 2048, lr 1e-3, early stopping 10 on NDCG@10,
full ranking, every rating a positive); only the epoch cap is a flag. Each model writes
OUT/<model>.json: test and best-validation metrics, the best epoch, the wall time from the start of
training to the end of the best validation epoch ("time to best"), the total training time, and the
status ("ok" or "failed" with the reason). A model failing does not stop the others.

KGAT needs a runtime shim for DGL 2.1.0 (RecBole calls APIs that DGL renamed); it is applied here as a
monkeypatch, site-packages are never edited. KGIN needs torch-scatter (setup.sh --scatter).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

KG_MODELS = {"KGAT", "KGIN", "CKE", "KGCN", "KGNNLS", "RippleNet", "MKR", "CFKG", "KTUP", "MCCLK"}


def base_config(args: argparse.Namespace, model: str) -> dict:
    load_col = {"inter": ["user_id", "item_id", "rating", "timestamp"], "item": ["item_id"]}
    if model in KG_MODELS:
        load_col |= {"kg": ["head_id", "relation_id", "tail_id"], "link": ["item_id", "entity_id"]}
    return {
        "data_path": str(args.data_root), "benchmark_filename": ["train", "valid", "test"],
        "seed": 2020, "reproducibility": True, "embedding_size": 64, "train_batch_size": 2048,
        "learning_rate": 0.001, "epochs": args.epochs, "stopping_step": 10, "eval_step": 1,
        "eval_args": {"split": {"RS": [0.8, 0.1, 0.1]}, "order": "RO", "group_by": "user", "mode": "full"},
        "metrics": ["Recall", "NDCG", "Hit", "MRR"], "topk": [10, 20], "valid_metric": "NDCG@10",
        "threshold": None, "load_col": load_col, "use_gpu": False, "device": "cpu",
        "checkpoint_dir": str(args.out / "saved"), "show_progress": False, "log_wandb": False,
        "save_dataset": False, "save_dataloaders": False, "worker": 0,
    }


def apply_dgl_shim() -> None:
    """Map RecBole's DGL 0.x calls onto DGL 2.1.0 (edge_subgraph/preserve_nodes, adjacency_matrix)."""
    import dgl

    if getattr(dgl, "_kgrec_shim", False):
        return
    original_subgraph = dgl.edge_subgraph

    def edge_subgraph(graph, edges, *rest, preserve_nodes=None, **kwargs):
        if preserve_nodes is not None:
            kwargs.setdefault("relabel_nodes", not preserve_nodes)
        return original_subgraph(graph, edges, *rest, **kwargs)

    original_adjacency = dgl.DGLGraph.adjacency_matrix

    def adjacency_matrix(self, transpose=None, ctx=None, scipy_fmt=None, etype=None):
        if transpose is None and scipy_fmt is None and ctx is None:
            return original_adjacency(self, etype)
        kwargs = {"transpose": bool(transpose), "scipy_fmt": scipy_fmt, "etype": etype}
        if ctx is not None:
            kwargs["ctx"] = ctx
        return self.adj_external(**kwargs)

    dgl.edge_subgraph = edge_subgraph
    dgl.DGLGraph.adjacency_matrix = adjacency_matrix
    dgl._kgrec_shim = True


def run_model(args: argparse.Namespace, model_name: str) -> dict:
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.utils import get_model, get_trainer, init_logger, init_seed

    if model_name == "KGAT":
        apply_dgl_shim()
    started = time.perf_counter()
    config = Config(model=model_name, dataset=args.dataset, config_dict=base_config(args, model_name))
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    init_seed(config["seed"] + config["local_rank"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    setup_s = time.perf_counter() - started
    curve: list[tuple[int, float, float]] = []
    fit_start = time.perf_counter()
    trainer.fit(train_data, valid_data, saved=True, show_progress=False,
                callback_fn=lambda epoch, score: curve.append((epoch, float(score), time.perf_counter() - fit_start)))
    train_s = time.perf_counter() - fit_start
    test = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    best = _best(curve)
    return {
        "model": model_name, "dataset": args.dataset, "status": "ok", "epochs_cap": args.epochs,
        "users": int(dataset.user_num - 1), "items": int(dataset.item_num - 1),
        "train_rows": len(train_data._dataset), "valid_rows": len(valid_data._dataset),
        "test_rows": len(test_data._dataset),
        "test": {k: float(v) for k, v in test.items()},
        "valid_best": {k: float(v) for k, v in (trainer.best_valid_result or {}).items()},
        "best_epoch": best[0], "epochs_run": len(curve), "time_to_best_s": best[2],
        "train_wall_s": train_s, "setup_s": setup_s, "curve": curve,
        "threads": args.threads,
    }


def _best(curve: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    """First epoch reaching the highest validation score (RecBole keeps the first strict maximum)."""
    if not curve:
        return (-1, float("nan"), float("nan"))
    top = max(score for _, score, _ in curve)
    return next(row for row in curve if row[1] == top)


def versions() -> dict:
    import dgl
    import numpy
    import pandas
    import recbole
    import scipy
    import torch

    found = {"recbole": recbole.__version__, "torch": torch.__version__, "dgl": dgl.__version__,
             "numpy": numpy.__version__, "scipy": scipy.__version__, "pandas": pandas.__version__}
    try:
        import torch_scatter

        found["torch_scatter"] = torch_scatter.__version__
    except ImportError:
        found["torch_scatter"] = None
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--data-root", type=Path, required=True, help="folder holding DATASET/")
    parser.add_argument("--dataset", default="ml-100k")
    parser.add_argument("--models", default="Pop,BPR,LightGCN,KGAT,KGIN", help="comma-separated RecBole models")
    parser.add_argument("--epochs", type=int, default=300, help="epoch cap (early stopping still applies)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    parser.add_argument("--out", type=Path, required=True, help="folder for <model>.json and logs")
    args = parser.parse_args(argv)
    args.data_root, args.out = args.data_root.resolve(), args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    os.chdir(args.out)  # RecBole writes ./log and ./log_tensorboard relative to the working directory
    import torch

    torch.set_num_threads(args.threads)
    (args.out / "versions.json").write_text(json.dumps(versions(), indent=2))
    failures = 0
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        print(f"==> RecBole {name} on {args.dataset} (epochs <= {args.epochs})", flush=True)
        try:
            result = run_model(args, name)
        except Exception as exc:  # noqa: BLE001 - reported per model, the others still run
            failures += 1
            traceback.print_exc()
            result = {"model": name, "dataset": args.dataset, "status": "failed",
                      "error": f"{type(exc).__name__}: {exc}"[:300]}
        (args.out / f"{name}.json").write_text(json.dumps(result, indent=2))
        print(json.dumps({k: v for k, v in result.items() if k != "curve"}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
