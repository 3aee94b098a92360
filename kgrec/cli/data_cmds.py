"""`kgrec datasets …`, `kgrec load …`, `kgrec metapaths …`, `kgrec graph …`: getting data in, looking at it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgrec import datasets, metapaths
from kgrec.cli.app import app, console, settings_of
from kgrec.cli.output import check_format, emit
from kgrec.cli.session import session
from kgrec.ingest.loader import DEFAULT_BATCH

load_app = typer.Typer(help="Load a dataset into Neo4j. The whole input is parsed and validated first "
                            "(errors name file, line and column; nothing is written on error), then "
                            "MERGEd in batches: re-running is safe and completes an interrupted load.",
                       no_args_is_help=True)
metapaths_app = typer.Typer(help="Schema-level metapaths from users to items with instance counts.",
                            invoke_without_command=True)
graph_app = typer.Typer(help="Inspect the loaded graph.", no_args_is_help=True)
datasets_app = typer.Typer(help="The public datasets kgrec knows by name (sources, sha256, licence).",
                           no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")
app.add_typer(load_app, name="load")
app.add_typer(metapaths_app, name="metapaths")
app.add_typer(graph_app, name="graph")

BATCH_OPTION = typer.Option(DEFAULT_BATCH, "--batch-size", min=1, help="Rows per transaction.")
BULK_OPTION = typer.Option(False, "--bulk", help="First load into an empty database of the managed server through "
                                                "Neo4j's own importer (the server is stopped and started again; "
                                                "the same graph as the MERGE path). See docs/LOADING.md.")
DATASET_OPTION = typer.Option(None, "--dataset", help="Dataset name (default: the only one loaded).")
FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")
FROM_OPTION = typer.Option(None, "--from", "--dir", help="Folder with the dataset's files (DIR/<folder>/ or DIR/); "
                                                         "else KGREC_DATA_DIR, the home cache, a download.")


@datasets_app.command("list")
def datasets_list(ctx: typer.Context,
                  from_dir: Optional[Path] = typer.Option(None, "--from", help="Also look in this folder.")) -> None:
    """Every known dataset: files, where they are found now, sources and licence."""
    settings = settings_of(ctx)
    for d in datasets.REGISTRY.values():
        where = datasets.locate(d.name, settings, from_dir)
        found = str(where) if where else ("(download on first use)" if d.downloadable else "(missing)")
        lines = [f"{d.name} — {d.summary}", f"  files:   {', '.join(d.files)} (sha256 pinned)",
                 f"  found:   {found}", *(f"  source:  {s}" for s in d.sources), f"  licence: {d.licence}"]
        console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


@datasets_app.command("fetch")
def datasets_fetch(ctx: typer.Context, name: str = typer.Argument(..., help="Dataset name (`kgrec datasets list`)."),
                   from_dir: Optional[Path] = FROM_OPTION) -> None:
    """Find (or download) a dataset, verify every sha256 and keep a copy in the home cache."""
    settings = settings_of(ctx)
    folder = datasets.resolve(name, settings, from_dir)
    cached = datasets.cache_copy(name, folder, settings)
    console.print(f"{name}: {len(datasets.get(name).files)} files verified (sha256) in {cached}")


def _load(ctx: typer.Context, source: str, batch_size: int, bulk: bool = False, **options) -> None:
    """One API call (:meth:`kgrec.api.Kgrec.load`), then the summary."""
    with session(ctx) as kg:
        loaded = kg.load(source, batch_size=batch_size, show_progress=True, bulk=bulk, **options)
    report = loaded.report
    console.print(f"validated {loaded.dataset}: " + ", ".join(f"{v:,} {k}" for k, v in loaded.validated.items()))
    emit(console, report.table(), "table", title=f"load {loaded.dataset}")
    rows = sum(s.rows for s in report.steps)
    verdict = "nothing changed (already loaded)" if report.created == 0 else f"{report.created:,} created"
    console.print(f"{rows:,} rows in {report.seconds:.1f}s ({rows / max(report.seconds, 1e-9):,.0f} rows/s); "
                  f"{verdict}.")
    phases = getattr(report, "phases", None)
    if phases:
        console.print("bulk phases: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items()),
                      markup=False, highlight=False, soft_wrap=True)
    if loaded.kg_warning:
        console.print(f"warning: {loaded.kg_warning}", style="yellow", markup=False)
    if loaded.validated.get("triples"):
        console.print(f"KG links: {report.linked:,} of {report.items:,} items linked, {report.unlinked:,} unlinked.")
    if report.pruned.total:
        pruned = report.pruned
        console.print(f"removed what the source no longer has: {pruned.triples:,} KG relationships, "
                      f"{pruned.entities:,} entities, {pruned.unlinked:,} item links.")


@load_app.command("recbole")
def load_recbole(ctx: typer.Context,
                 directory: Path = typer.Argument(..., help="Folder with <name>.inter/.item/.user/.kg/.link."),
                 name: Optional[str] = typer.Option(None, "--name", help="File stem (default: folder name)."),
                 dataset: Optional[str] = typer.Option(None, "--dataset", help="Dataset name in the graph."),
                 batch_size: int = BATCH_OPTION, bulk: bool = BULK_OPTION) -> None:
    """Any dataset in RecBole's atomic format (typed headers; pre-split .train/.valid/.test.inter)."""
    _load(ctx, "recbole", batch_size, bulk, directory=directory, name=name, dataset=dataset)


@load_app.command("ml100k")
def load_ml100k(ctx: typer.Context, dataset: str = typer.Option("ml100k", "--dataset", help="Dataset name."),
                from_dir: Optional[Path] = FROM_OPTION, batch_size: int = BATCH_OPTION,
                bulk: bool = BULK_OPTION) -> None:
    """MovieLens-100K + KG from RecBole 1.2.1's PyPI wheel (downloaded once, sha256-verified).

    RecBole's ml-100k.link is keyed by MovieLens-1M ids; kgrec re-keys it to ml-100k ids through the
    shipped title+year bridge (kgrec/ingest/ml100k_ml1m_bridge.tsv). Re-running this on a graph loaded
    with the old, wrong links removes them."""
    _load(ctx, "ml100k", batch_size, bulk, from_dir=from_dir, dataset=dataset)


@load_app.command("lastfm")
def load_lastfm(ctx: typer.Context,
                from_dir: Optional[Path] = FROM_OPTION,
                dataset: str = typer.Option("lastfm", "--dataset", help="Dataset name."),
                batch_size: int = BATCH_OPTION, bulk: bool = BULK_OPTION) -> None:
    """Last.fm listens (weights), artist names, friendships and the Freebase KG (sha256 pinned)."""
    _load(ctx, "lastfm", batch_size, bulk, from_dir=from_dir, dataset=dataset)


@load_app.command("csv")
def load_csv(ctx: typer.Context,
             spec: Path = typer.Option(..., "--spec", help="YAML mapping (see examples/csv/mapping.yaml)."),
             dataset: Optional[str] = typer.Option(None, "--dataset", help="Override the spec's dataset name."),
             batch_size: int = BATCH_OPTION, bulk: bool = BULK_OPTION) -> None:
    """Your own CSV files described by a YAML mapping (users, items, entities, events, relations)."""
    _load(ctx, "csv", batch_size, bulk, spec=spec, dataset=dataset)


@load_app.command("synthetic")
def load_synthetic(ctx: typer.Context,
                   users: int = typer.Option(100, "--users"), items: int = typer.Option(200, "--items"),
                   events: int = typer.Option(2000, "--events"), seed: int = typer.Option(0, "--seed"),
                   dataset: str = typer.Option("synthetic", "--dataset", help="Dataset name."),
                   batch_size: int = BATCH_OPTION, bulk: bool = BULK_OPTION) -> None:
    """A seeded KG with Zipf-skewed popularity, typed entities and item text (same seed, same data)."""
    _load(ctx, "synthetic", batch_size, bulk, users=users, items=items, events=events, seed=seed, dataset=dataset)


@metapaths_app.callback()
def metapaths_list(ctx: typer.Context, dataset: Optional[str] = DATASET_OPTION,
                   max_length: int = typer.Option(4, "--max-length", help="Longest metapath in hops (2-4)."),
                   fmt: str = FORMAT_OPTION) -> None:
    """List metapaths U…I (U-I-U-I, U-I-E-I, U-U-I, …) with exact walk counts (degree products)."""
    if ctx.invoked_subcommand is not None:
        return
    check_format(fmt)
    with session(ctx) as kg:
        rows = metapaths.metapath_counts(kg.graph, dataset, max_length)
    emit(console, rows, fmt, title="metapaths (instances = walks, either direction)")


@metapaths_app.command("sample")
def metapaths_sample(ctx: typer.Context,
                     path: str = typer.Option(..., "--path", help="Node types joined by '-', e.g. U-I-E-I."),
                     limit: int = typer.Option(10, "--limit", help="Instances to show."),
                     dataset: Optional[str] = DATASET_OPTION, fmt: str = FORMAT_OPTION) -> None:
    """Random instances of one metapath (names along the path and relationship types)."""
    check_format(fmt)
    with session(ctx) as kg:
        rows = metapaths.sample(kg.graph, path, limit, dataset)
    emit(console, [{"path": " - ".join(map(str, r["names"])), "relationships": " / ".join(r["relationships"])}
                   for r in rows], fmt, title=f"{path.upper()} samples")


@graph_app.command("stats")
def graph_stats(ctx: typer.Context, dataset: Optional[str] = typer.Option(None, "--dataset"),
                fmt: str = FORMAT_OPTION) -> None:
    """Node counts per label and relationship counts per type (per dataset)."""
    check_format(fmt)
    with session(ctx) as kg:
        labels, rels = metapaths.graph_stats(kg.graph, dataset)
    if fmt == "json":
        emit(console, {"nodes": labels, "relationships": rels}, fmt)
        return
    emit(console, labels, fmt, title="nodes")
    emit(console, rels, fmt, title="relationships")


@graph_app.command("schema")
def graph_schema(ctx: typer.Context,
                 png: Path = typer.Option(Path("graph_model.png"), "--png",
                                          help="Where to write the picture (the README's is docs/img/graph_model.png).")
                 ) -> None:
    """Draw the (label)-[type]->(label) patterns present in the database as a PNG."""
    with session(ctx) as kg:
        edges = metapaths.schema_edges(kg.graph)
    metapaths.draw_schema(edges, png)
    console.print(f"{len(edges)} (label, type, label) patterns drawn to {png}")
