"""`kgrec write-back`, `models …`, `recommend`, `similar`, `cold-start`, `ingest-events`
(argument parsing + one API call; rendering here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kgrec.cli.app import app, console, err_console
from kgrec.cli.output import check_format, emit
from kgrec.cli.session import session

if TYPE_CHECKING:
    from kgrec.api import Recommendation

models_app = typer.Typer(help="List, activate and drop written-back model versions.", no_args_is_help=True)
app.add_typer(models_app, name="models")

FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")
DATASET_OPTION = typer.Option(None, "--dataset", help="Dataset (default: the one with an active model).")
MODEL_COLUMNS = ("version", "dataset", "run_id", "model", "dim", "status", "active", "counts", "created_at")


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(f"writing {label} vectors", total=total)
            bar.update(tasks[label], completed=done)

        yield update


@app.command("write-back")
def write_back_cmd(
    ctx: typer.Context,
    run: str = typer.Option(..., "--run", help="Run id under runs/ (or a run directory)."),
    activate: bool = typer.Option(True, "--activate/--no-activate",
                                  help="Make the new version active once it is complete."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Where run directories live "
                                             "(default runs/ or $KGREC_RUNS_DIR)."),
) -> None:
    """Write a run's embeddings into the graph as a new model version (vectors + vector index).

    The version becomes active only after every vector is written and its index is ONLINE;
    if anything fails the partial version is removed and the previous one stays active.
    """
    with session(ctx, runs_dir) as kg, _progress() as progress:
        model = kg.write_back(run, activate=activate, progress=progress)
    state = "active" if model.active else "ready (not active)"
    console.print(f"Wrote run {model.run_id} as model version {model.version} ({state}): property "
                  f"{model.property}, vector index {model.index}, {model.dim - 1}-d embeddings.")


@models_app.command("list")
def models_list(ctx: typer.Context, fmt: str = FORMAT_OPTION) -> None:
    """Every written-back version with its dataset, run, status and whether it is active."""
    check_format(fmt)
    with session(ctx) as kg:
        rows = kg.models()
    emit(console, [{c: r[c] for c in MODEL_COLUMNS} for r in rows], fmt, "Model versions")


@models_app.command("activate")
def models_activate(ctx: typer.Context, version: str = typer.Argument(..., help="e.g. v2")) -> None:
    """Make VERSION the active version of its dataset (one transaction)."""
    with session(ctx) as kg:
        row = kg.activate(version)
    console.print(f"Model version {row['version']} is now active for dataset {row['dataset']}.")


@models_app.command("drop")
def models_drop(ctx: typer.Context, version: str = typer.Argument(..., help="e.g. v1"),
                force: bool = typer.Option(False, "--force", help="Drop even if it is active.")) -> None:
    """Remove VERSION's vectors, vector index and model node."""
    with session(ctx) as kg:
        model = kg.drop(version, force=force)
    console.print(f"Dropped model version {model.version} (dataset {model.dataset}).")


@app.command("recommend")
def recommend_cmd(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help="The user's id in the dataset (e.g. 1)."),
    dataset: Optional[str] = DATASET_OPTION,
    k: int = typer.Option(10, "-k", "--top", help="How many items (1-1000)."),
    filters: Optional[list[str]] = typer.Option(
        None, "--filter", help="Graph constraint, repeatable: genre=NAME, entity=ID, min-year=YYYY, "
                               "max-year=YYYY, not-by-friends."),
    explain: bool = typer.Option(False, "--explain", help="Add the best U-I-I, U-I-E-I and U-I-U-I paths, "
                                 "ranked by the model's evidence."),
    model: Optional[str] = typer.Option(None, "--model", help="Model version (default: the active one)."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Top-K items the user has not interacted with, from the vector index + graph filters in Cypher."""
    check_format(fmt)
    with session(ctx) as kg:
        result = kg.recommend(user, k, dataset=dataset, filters=filters or [], explain=explain, model=model)
    if fmt == "json":
        emit(console, result.to_dict(), fmt)
        return
    emit(console, [_table_row(item) for item in result.items], fmt, f"Top {k} for {result.user} (model {result.model})")


def _table_row(item: Recommendation) -> dict[str, Any]:
    row = {"rank": item.rank, "id": item.id, "title": item.title, "year": item.year, "score": item.score}
    if item.explanation is not None:
        row["why"] = "\n".join(item.explanation) or "(no path within 3 hops)"
    return row


@app.command("similar")
def similar_cmd(
    ctx: typer.Context,
    item: str = typer.Option(..., "--item", help="The item's id in the dataset."),
    dataset: Optional[str] = DATASET_OPTION,
    k: int = typer.Option(10, "-k", "--top", help="How many items."),
    model: Optional[str] = typer.Option(None, "--model", help="Model version (default: the active one)."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Items whose embeddings score highest against ITEM's (vector index, dot product)."""
    check_format(fmt)
    with session(ctx) as kg:
        items = kg.similar(item, k, dataset=dataset, model=model)
    title = f"Similar to {item}"
    emit(console, [i.to_dict() for i in items] if fmt == "json" else [_table_row(i) for i in items], fmt, title)


@app.command("cold-start")
def cold_start_cmd(
    ctx: typer.Context,
    dataset: Optional[str] = DATASET_OPTION,
    text_model: Optional[str] = typer.Option(None, "--text-model", help="Text model for items without `text_vec` "
                                             "(must be the one `encode-text --model` used; default: the run's "
                                             "text model with an item tower, else MiniLM)."),
) -> None:
    """Embed new items and new users (fold-in) under the active version.

    Items go through the model's own inductive item tower (text + KG neighbours) when its run has one
    (`--model sage`), else through a ridge map from text vectors plus the KG neighbours' mean."""
    with session(ctx) as kg:
        result = kg.cold_start(dataset, text_model)
    console.print(f"Model {result.version}: embedded {result.items} new item(s) (by {result.method}) and "
                  f"{result.users} new user(s).")
    if result.skipped:
        console.print(f"{len(result.skipped)} item(s) have neither text nor KG links and stay unembedded, "
                      f"e.g. {', '.join(result.skipped[:5])}")


@app.command("ingest-events")
def ingest_events_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV with header user,item[,rating][,weight][,timestamp][,kind]."),
    dataset: Optional[str] = DATASET_OPTION,
) -> None:
    """Validate FILE completely; append its new events and refresh the users' embeddings in one transaction.

    An event is identified by (user, item, kind, timestamp) or its event_id: one already recorded is not
    written again (history is append-only)."""
    with session(ctx) as kg:
        result = kg.ingest_events(file, dataset)
    duplicates = result.rows - result.events
    console.print(f"{result.events} event(s) for {result.users} user(s) ({result.new_users} new): "
                  f"{result.created} created, {result.present} already present"
                  + (f" ({duplicates} duplicate row(s) in the file counted once)" if duplicates else "")
                  + f"; refreshed {result.refreshed} user embedding(s) in model {result.version}.")
