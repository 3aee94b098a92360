"""The ``kgrec`` command line. Each area registers its commands from its own module."""

from __future__ import annotations

import sys

from kgrec.cli import data_cmds, db_cmds, kg_cmds, serve_cmds, train_cmds  # noqa: F401,E402  (register commands)
from kgrec.cli.app import app
from kgrec.errors import KgrecError


def main() -> None:
    """Console-script entry point: one-line errors with hints, exit code 1."""
    try:
        app(standalone_mode=False)
    except KgrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # click usage errors and aborts
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            print("aborted", file=sys.stderr)
            sys.exit(130)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
