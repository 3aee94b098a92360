"""One configurable GNN encoder, three of the seeds' layer choices (``--model gnn --conv gat|sage|rgcn``)
compared on one split with the same inputs (ID embeddings + MiniLM text), graph (interactions + the
corrected KG), loss and epoch cap, beside kgrec's LightGCN and KGAT-style model."""

from __future__ import annotations

from pathlib import Path

from harness import accuracy
from harness.report import Row

ENCODER_MODELS = ("lightgcn", "kgat", "gnn+gat", "gnn+sage", "gnn+rgcn")


def run_encoders(dataset: str, plan: accuracy.Plan, work: Path, settings) -> tuple[list[Row], list[str]]:
    section = f"GNN encoders — {dataset} (test set, one split; gnn = one model, its conv as an option)"
    notes: list[str] = []
    runs, _, split = accuracy.kgrec_side(dataset, plan, settings, work, notes)
    rows = []
    for model, result in runs.items():
        if model == "lightgcn":
            continue
        for name in ("ndcg@10", "recall@20"):
            rows.append(Row(section, f"{name.replace('ndcg', 'NDCG').replace('recall', 'Recall')}: kgrec {model} vs "
                            "kgrec LightGCN", (result.get("test") or {}).get(name),
                            (runs.get("lightgcn", {}).get("test") or {}).get(name), "kgrec lightgcn"))
        notes.append(f"{dataset}: {model} — valid NDCG@10 {(result.get('valid') or {}).get('ndcg@10', 0):.4f}, best "
                     f"epoch {result.get('best_epoch')} of {result.get('epochs_run')}, {result.get('wall_seconds')} s "
                     f"(run {result.get('run_id')})")
    notes.append(f"{dataset}: split {split.split_id}")
    return rows, notes
