"""The root Typer app, global options and helpers shared by every command module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from kgrec.errors import KgrecError
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
    password: Optional[str] = typer.Option(
        None, "--password", help="Password (overrides NEO4J_PASSWORD). Visible to other users in `ps`: "
                                 "prefer NEO4J_PASSWORD or --password-file."),
    password_file: Optional[Path] = typer.Option(
        None, "--password-file", envvar="NEO4J_PASSWORD_FILE",
        help="Read the password from this file's first line (or NEO4J_PASSWORD_FILE)."),
    database: Optional[str] = typer.Option(None, "--database", help="Database (overrides NEO4J_DATABASE)."),
    config: Optional[Path] = typer.Option(None, "--config-file", help="Settings file (default ./kgrec.toml)."),
    home: Optional[Path] = typer.Option(
        None, "--home", help="Where kgrec keeps all its state: managed Neo4j, runs, caches, downloads "
                             "(overrides KGREC_HOME and kgrec.toml; default ./.kgrec)."),
    debug: bool = typer.Option(False, "--debug", envvar="KGREC_DEBUG",
                               help="Show tracebacks instead of one-line errors (or KGREC_DEBUG=1)."),
) -> None:
    if password is not None:
        err_console.print("warning: --password is visible to other users in the process list (`ps`); "
                          "use NEO4J_PASSWORD or --password-file instead", markup=False, highlight=False)
    if password_file is not None:
        password = read_password_file(password_file)
    export_home(home, config)
    ctx.obj = {"cli": {"uri": uri, "user": user, "password": password, "database": database,
                       "home": home}, "config_file": config, "debug": debug}


def export_home(home: Path | None, config: Path | None) -> None:
    """Make ``--home`` / ``--config-file`` visible to every part of this process (e.g. the runs folder)."""
    if home is not None:
        os.environ["KGREC_HOME"] = str(home.expanduser().resolve())
    if config is not None:
        os.environ["KGREC_CONFIG"] = str(config.expanduser().resolve())


def read_password_file(path: Path) -> str:
    """The first line of ``path`` (a password file); one-line errors, never its content."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline(4096).strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise KgrecError(f"--password-file {str(path)[:200]}: cannot read ({reason})") from None
    if not first:
        raise KgrecError(f"--password-file {str(path)[:200]}: the first line is empty")
    return first


_LAST: list[Settings] = []


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj or {}
    settings = load_settings(cli=obj.get("cli"), config_file=obj.get("config_file"))
    _LAST[:] = [settings]
    return settings


def last_settings() -> Settings | None:
    """The settings the running command resolved last (for the error boundary's connection messages)."""
    return _LAST[0] if _LAST else None


def print_table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    """A table that fits the terminal (see :mod:`kgrec.cli.output`)."""
    from kgrec.cli.output import print_table as render

    render(console, rows, title)
