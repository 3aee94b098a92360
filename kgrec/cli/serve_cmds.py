"""`kgrec write-back`, `models …`, `recommend`, `similar`, `cold-start`, `ingest-events`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer
from neo4j.exceptions import ClientError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kgrec.cli.app import app, console, print_table, settings_of
from kgrec.db import Graph
from kgrec.errors import KgrecError
from kgrec.serve import coldstart, events, recommend, writeback

models_app = typer.Typer(help="List, activate and drop written-back model versions.", no_args_is_help=True)
app.add_typer(models_app, name="models")

FORMATS = ("table", "json")


@contextmanager
def _graph(ctx: typer.Context) -> Iterator[Graph]:
    """A graph handle whose Cypher errors become one-line KgrecErrors."""
    with Graph(settings_of(ctx)) as graph:
        try:
            yield graph
        except ClientError as exc:
            first = (exc.message or exc.code or "Cypher error").strip().splitlines()[0]
            raise KgrecError(f"Neo4j refused the request: {first}") from None


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
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
    with _graph(ctx) as graph, _progress() as progress:
        model = writeback.write_back(graph, run, activate=activate, runs_dir=runs_dir, progress=progress)
    state = "active" if model.active else "ready (not active)"
    console.print(f"Wrote run {model.run_id} as model version {model.version} ({state}): property "
                  f"{model.property}, vector index {model.index}, {model.dim - 1}-d embeddings.")


@models_app.command("list")
def models_list(ctx: typer.Context,
                fmt: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """Every written-back version with its dataset, run, status and whether it is active."""
    _check_format(fmt)
    with _graph(ctx) as graph:
        rows = writeback.list_models(graph)
    columns = ("version", "dataset", "run_id", "model", "dim", "status", "active", "counts", "created_at")
    rows = [{c: r[c] for c in columns} for r in rows]
    _emit(rows, fmt, "Model versions")


@models_app.command("activate")
def models_activate(ctx: typer.Context, version: str = typer.Argument(..., help="e.g. v2")) -> None:
    """Make VERSION the active version of its dataset (one transaction)."""
    with _graph(ctx) as graph:
        row = writeback.activate_version(graph, version)
    console.print(f"Model version {row['version']} is now active for dataset {row['dataset']}.")


@models_app.command("drop")
def models_drop(ctx: typer.Context, version: str = typer.Argument(..., help="e.g. v1"),
                force: bool = typer.Option(False, "--force", help="Drop even if it is active.")) -> None:
    """Remove VERSION's vectors, vector index and model node."""
    with _graph(ctx) as graph:
        model = writeback.drop_version(graph, version, force=force)
    console.print(f"Dropped model version {model.version} (dataset {model.dataset}).")


@app.command("recommend")
def recommend_cmd(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help="The user's id in the dataset (e.g. 1)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset (default: the one with an active model)."),
    k: int = typer.Option(10, "-k", "--top", help="How many items (1-1000)."),
    filters: Optional[list[str]] = typer.Option(
        None, "--filter", help="Graph constraint, repeatable: genre=NAME, entity=ID, min-year=YYYY, "
                               "max-year=YYYY, not-by-friends."),
    explain: bool = typer.Option(False, "--explain", help="Add the best U-I-I, U-I-E-I and U-I-U-I paths, "
                                 "ranked by the model's evidence."),
    model: Optional[str] = typer.Option(None, "--model", help="Model version (default: the active one)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Top-K items the user has not interacted with, from the vector index + graph filters in Cypher."""
    _check_format(fmt)
    with _graph(ctx) as graph:
        version = writeback.get_model(graph, version=model, dataset=dataset)
        parsed = recommend.parse_filters(filters or [], version.dataset)
        key = recommend.user_key(version.dataset, user)
        rows = recommend.recommend(graph, version.dataset, key, k, parsed, version=model)
        paths = (recommend.explain(graph, version.dataset, key, [r["key"] for r in rows], version=model)
                 if explain and rows else {})
    out = [_rec_row(n, r, paths.get(r["key"]) if explain else None) for n, r in enumerate(rows, 1)]
    if fmt == "json":
        console.print_json(json.dumps({"user": key, "model": version.version, "items": out}))
        return
    if explain:
        for row in out:
            row["why"] = "\n".join(row.pop("explanation")) or "(no path within 3 hops)"
            row.pop("paths")
    _emit(out, fmt, f"Top {k} for {key} (model {version.version})")


def _rec_row(rank: int, row: dict[str, Any], paths: list[dict] | None) -> dict[str, Any]:
    out = {"rank": rank, "id": row["id"], "title": row["title"], "year": row["year"],
           "score": round(float(row["score"]), 4)}
    if paths is not None:
        out["explanation"] = [recommend.describe(p, row["title"]) for p in paths]
        out["paths"] = [recommend.public_path(p) for p in paths]
    return out


@app.command("similar")
def similar_cmd(
    ctx: typer.Context,
    item: str = typer.Option(..., "--item", help="The item's id in the dataset."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset (default: the one with an active model)."),
    k: int = typer.Option(10, "-k", "--top", help="How many items."),
    model: Optional[str] = typer.Option(None, "--model", help="Model version (default: the active one)."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Items whose embeddings score highest against ITEM's (vector index, dot product)."""
    _check_format(fmt)
    if not 1 <= k <= 1000:
        raise KgrecError(f"-k {k}: must be between 1 and 1000")
    with _graph(ctx) as graph:
        version = writeback.get_model(graph, version=model, dataset=dataset)
        key = recommend.user_key(version.dataset, item)
        rows = recommend.similar_items(graph, version.dataset, key, k, version=model)
    _emit([_rec_row(n, r, None) for n, r in enumerate(rows, 1)], fmt, f"Similar to {key}")


@app.command("cold-start")
def cold_start_cmd(
    ctx: typer.Context,
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset (default: the one with an active model)."),
) -> None:
    """Embed new items (text map + KG neighbours) and new users (fold-in) under the active version."""
    with _graph(ctx) as graph:
        version = writeback.get_model(graph, dataset=dataset)
        items, skipped = coldstart.embed_cold_items(graph, version)
        users = coldstart.embed_cold_users(graph, version)
    console.print(f"Model {version.version}: embedded {items} new item(s) and {users} new user(s).")
    if skipped:
        console.print(f"{len(skipped)} item(s) have neither text nor KG links and stay unembedded, "
                      f"e.g. {', '.join(skipped[:5])}")


@app.command("ingest-events")
def ingest_events_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV with header user,item[,rating][,weight][,timestamp][,kind]."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset (default: the one with an active model)."),
) -> None:
    """Validate FILE completely; append its new events and refresh the users' embeddings in one transaction.

    An event is identified by (user, item, kind, timestamp) or its event_id: one already recorded is not
    written again (history is append-only)."""
    with _graph(ctx) as graph:
        version = writeback.get_model(graph, dataset=dataset)
        result = events.ingest_events(graph, file, version.dataset, version)
    duplicates = result.rows - result.events
    console.print(f"{result.events} event(s) for {result.users} user(s) ({result.new_users} new): "
                  f"{result.created} created, {result.present} already present"
                  + (f" ({duplicates} duplicate row(s) in the file counted once)" if duplicates else "")
                  + f"; refreshed {result.refreshed} user embedding(s) in model {result.version}.")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise KgrecError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")


def _emit(rows: list[dict[str, Any]], fmt: str, title: str) -> None:
    if fmt == "json":
        console.print_json(json.dumps(rows, default=str))
    else:
        print_table(rows, title=title)
