"""The root Typer app, global options and helpers shared by every command module."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from kgrec.settings import Settings, load_settings

app = typer.Typer(
    name="kgrec",
    help="Knowledge-graph recommender on Neo4j: load data, migrate, train, evaluate, recommend.\n\n"
         "By default kgrec manages its own local Neo4j 5.26 (`kgrec db install && kgrec db start`). "
         "Set NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD to use another server.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Install, start, stop and inspect the Neo4j server; run migrations.",
                     no_args_is_help=True)
config_app = typer.Typer(help="Show the effective settings.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")

console = Console()
err_console = Console(stderr=True)


@app.callback()
def root(
    ctx: typer.Context,
    uri: Optional[str] = typer.Option(None, "--uri", help="Bolt URI (overrides NEO4J_URI)."),
    user: Optional[str] = typer.Option(None, "--user", help="User (overrides NEO4J_USER)."),
    password: Optional[str] = typer.Option(None, "--password", help="Password (overrides NEO4J_PASSWORD)."),
    database: Optional[str] = typer.Option(None, "--database", help="Database (overrides NEO4J_DATABASE)."),
    config: Optional[Path] = typer.Option(None, "--config-file", help="Settings file (default ./kgrec.toml)."),
) -> None:
    ctx.obj = {"cli": {"uri": uri, "user": user, "password": password, "database": database},
               "config_file": config}


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj or {}
    return load_settings(cli=obj.get("cli"), config_file=obj.get("config_file"))


def print_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    if not rows:
        console.print("(no rows)")
        return
    table = Table(title=title)
    for column in rows[0]:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*(_fmt(v) for v in row.values()))
    console.print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(str, value[:4]))}, … ({len(value)} values)]"
    return str(value)
