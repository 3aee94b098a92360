"""`kgrec kg …`: knowledge-graph quality (see docs/KG_QUALITY.md)."""

from __future__ import annotations

from typing import Optional

import typer

from kgrec import kg_quality
from kgrec.cli.app import app, console
from kgrec.cli.output import check_format, emit
from kgrec.cli.session import session

kg_app = typer.Typer(help="Knowledge-graph quality: does the KG connect items the same users consume?",
                     no_args_is_help=True)
app.add_typer(kg_app, name="kg")


@kg_app.command("check")
def kg_check(ctx: typer.Context,
             dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset name (default: the only one)."),
             pairs: int = typer.Option(kg_quality.DEFAULT_PAIRS, "--pairs", min=1,
                                       help="Shared item pairs per relation: all when there are at most this "
                                            "many, else this many draws (hub, then pair); as many random pairs."),
             resamples: int = typer.Option(kg_quality.DEFAULT_RESAMPLES, "--resamples", min=1,
                                           help="Bootstrap resamples for the 95% intervals."),
             seed: int = typer.Option(kg_quality.DEFAULT_SEED, "--seed", help="Sampling and bootstrap seed."),
             fmt: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """Per relation and for the whole KG: items, entities, triples, co-consumption lift, genre coherence."""
    check_format(fmt)
    with session(ctx) as kg:
        report = kg.kg_check(dataset, pairs=pairs, resamples=resamples, seed=seed)
    if fmt == "json":
        emit(console, report.to_dict(), fmt)
    else:
        emit(console, report.rows(), fmt, report.title())
        console.print("O/E = co-consumers observed / expected from the items' popularity (Σ|Ui∩Uj| / Σ|Ui||Uj|/N); "
                      "lift = O/E of item pairs sharing a KG node (each hub weighs the same) / O/E of random pairs "
                      "of the same items; verdict 'signal' = whole 95% interval above 1 (docs/KG_QUALITY.md).")
