"""`kgrec forget --user ID [--dataset D]`: erase a user everywhere kgrec keeps them (see kgrec.privacy)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgrec.cli.app import app, console
from kgrec.cli.session import session


@app.command("forget")
def forget_cmd(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help="The user's id in the dataset (or the full key D:ID)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset (default: the one holding the user)."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Run directories to scrub "
                                            "(default runs/ or $KGREC_RUNS_DIR)."),
) -> None:
    """Erase USER: node, events, friendships, every model version's vector, text-cache entry, and their rows
    in recorded runs (those runs are marked and can no longer be written back)."""
    with session(ctx, runs_dir) as kg:
        report = kg.forget(user, dataset)
    if not report.found:
        console.print(f"No trace of {report.key} found (nothing to forget).")
        return
    graph_part = (f"deleted the user node with {report.events} event(s), {report.friendships} friendship(s) "
                  f"and {len(report.vectors)} vector(s)" if report.in_graph else "not in the graph")
    console.print(f"Forgot {report.key}: {graph_part}; {report.cache_entries} text-cache entr"
                  f"{'y' if report.cache_entries == 1 else 'ies'}; scrubbed {len(report.runs)} run(s)"
                  + (f" ({', '.join(report.runs)}), now marked as not writable back" if report.runs else "") + ".")
