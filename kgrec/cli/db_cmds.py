"""`kgrec db …` and `kgrec config …`: the managed server, migrations, ad-hoc Cypher."""

from __future__ import annotations

import json
from typing import Optional

import typer

from kgrec import migrations, server
from kgrec.cli.app import config_app, console, db_app, settings_of
from kgrec.cli.output import check_format, emit
from kgrec.db import Graph
from kgrec.errors import KgrecError, cypher_errors

FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")


def _require_managed(ctx: typer.Context):
    settings = settings_of(ctx)
    if not settings.managed:
        raise KgrecError(f"NEO4J_URI points at {settings.uri}: kgrec only manages its own local server",
                         hint="unset NEO4J_URI to use the managed server")
    return settings


@db_app.command("install")
def db_install(ctx: typer.Context) -> None:
    """Assemble Neo4j 5.26 Community from Maven Central and set a random password (idempotent)."""
    settings = _require_managed(ctx)
    if not server.is_installed(settings):
        console.print("Assembling Neo4j 5.26 from Maven Central (first time: ~100 MB of jars)…")
    fresh = server.install(settings, quiet=True)
    console.print(("Installed" if fresh else "Already installed") +
                  f" Neo4j into {settings.neo4j_lib.parent} (instance {settings.instance!r}).")
    console.print(f"Password file (mode 0600): {settings.password_file}")


@db_app.command("start")
def db_start(ctx: typer.Context) -> None:
    """Start the managed server on 127.0.0.1, wait until Bolt answers, print the URIs."""
    settings = _require_managed(ctx)
    if not server.is_installed(settings):
        server.install(settings)
    started = server.start(settings)
    st = server.state(settings)
    console.print(("Started" if started else "Already running") + f" Neo4j (pid {st.pid}).")
    console.print(f"  Bolt:    {st.bolt_uri}")
    console.print(f"  Browser: {st.http_uri}/browser/  (user neo4j, password: "
                  f"`cat {settings.password_file}`)")


@db_app.command("stop")
def db_stop(ctx: typer.Context) -> None:
    """Stop the managed server cleanly."""
    settings = _require_managed(ctx)
    console.print("Stopped Neo4j." if server.stop(settings) else "Neo4j is not running.")


@db_app.command("status")
def db_status(ctx: typer.Context, fmt: str = FORMAT_OPTION) -> None:
    """Version, edition, store size and node/relationship counts."""
    check_format(fmt)
    settings = settings_of(ctx)
    if settings.managed:
        st = server.state(settings)
        if not st.running:
            raise KgrecError("the managed Neo4j is not running", hint="run `kgrec db start`")
    with Graph(settings) as graph:
        comp = graph.run("db/components")[0]
        counts = graph.run("db/counts")[0]
    size = server.store_size_bytes(settings) if settings.managed else None
    if fmt == "json":
        emit(console, {"uri": settings.effective_uri, "version": comp["version"], "edition": comp["edition"],
                       "store_bytes": size, "nodes": counts["nodes"], "relationships": counts["relationships"]}, fmt)
        return
    facts = {"uri": settings.effective_uri, "version": comp["version"], "edition": comp["edition"],
             "store size": f"{size / 2**20:.1f} MiB" if size is not None else "n/a (remote server)",
             "nodes": f"{counts['nodes']:,}", "relationships": f"{counts['relationships']:,}"}
    emit(console, [{"": name, "value": value} for name, value in facts.items()], fmt, title="Neo4j")


@db_app.command("logs")
def db_logs(ctx: typer.Context, lines: int = typer.Option(40, "-n", help="Lines from the end.")) -> None:
    """The last lines of the managed server's neo4j.log."""
    console.print(server.tail_log(_require_managed(ctx), lines), markup=False, highlight=False)


@db_app.command("cypher")
def db_cypher(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="One Cypher statement; use $name for values."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p",
                                              help="name=value (value parsed as JSON when it can be)."),
    fmt: str = FORMAT_OPTION,
) -> None:
    """Run one parameterised Cypher statement and print the result as a table (or JSON)."""
    check_format(fmt)
    params = {}
    for item in param or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            raise KgrecError(f"--param {item!r}: expected name=value")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    with Graph(settings_of(ctx)) as graph, cypher_errors():
        rows = graph.query(query, **params)
    emit(console, rows, fmt)


@db_app.command("migrate")
def db_migrate(ctx: typer.Context,
               show_status: bool = typer.Option(False, "--status", help="List applied and pending."),
               fmt: str = FORMAT_OPTION) -> None:
    """Apply kgrec's migrations (NNNN_*.cypher, shipped in the package) in order; skip applied ones;
    refuse changed ones."""
    check_format(fmt)
    with Graph(settings_of(ctx)) as graph:
        if show_status:
            rows = [{"version": f"{m.version:04d}", "name": m.name,
                     "state": "applied" if rec else "pending",
                     "applied_at": rec["applied_at"] if rec else "",
                     "checksum": ("ok" if rec["sha256"] == m.sha256 else "CHANGED") if rec else ""}
                    for m, rec in migrations.status(graph)]
            emit(console, rows, fmt, title="Migrations")
            return
        newly = migrations.migrate(graph)
    for m in newly:
        console.print(f"applied {m.path.name}")
    console.print(f"{len(newly)} migration(s) applied; database is up to date.")


@config_app.command("show")
def config_show(ctx: typer.Context, fmt: str = FORMAT_OPTION) -> None:
    """Effective settings and where each came from (CLI > env > kgrec.toml > defaults)."""
    check_format(fmt)
    rows = [{"setting": n, "value": v, "source": s} for n, v, s in settings_of(ctx).as_table()]
    emit(console, rows, fmt, title="kgrec settings")
