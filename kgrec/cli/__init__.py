"""The ``kgrec`` command line. Each area registers its commands from its own module.

:func:`main` is the one error boundary: every expected failure (a :class:`~kgrec.errors.KgrecError`, an
unreachable or restarting Neo4j after the driver's retries, a rejected or rate-limited login, a Cypher
error, an unreadable file, Ctrl-C) becomes ONE line on stderr plus an optional hint, exit code 1 (130 for
Ctrl-C). Tracebacks are shown only with the global ``--debug`` flag or ``KGREC_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys

from kgrec.cli import data_cmds, db_cmds, kg_cmds, privacy_cmds, serve_cmds, train_cmds  # noqa: F401  (register commands)
from kgrec.cli.app import app, last_settings
from kgrec.errors import KgrecError, cypher_error

MAX_MESSAGE = 600
DEBUG_HINT = "re-run with --debug (or KGREC_DEBUG=1) for the traceback"


def debug_requested(argv: list[str] | None = None) -> bool:
    """The global ``--debug`` flag (before the command) or ``KGREC_DEBUG`` set to 1/true/yes."""
    argv = sys.argv[1:] if argv is None else argv
    global_args = []
    for arg in argv:
        if not arg.startswith("-"):
            break
        global_args.append(arg)
    return "--debug" in global_args or os.environ.get("KGREC_DEBUG", "").lower() in ("1", "true", "yes")


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[:limit] + f"… ({len(flat):,} characters)"


def describe(exc: BaseException) -> tuple[str, str | None] | None:
    """(message, hint) for an expected failure, None for a bug."""
    import neo4j.exceptions as ne

    from kgrec.db import connection_error, is_rate_limited, is_unavailable, retry_seconds

    if isinstance(exc, KgrecError):
        return str(exc), exc.hint
    if isinstance(exc, ne.IncompleteCommit):
        return ("the connection to Neo4j was lost while a transaction was committing (it may or may not "
                "have been applied)", "re-run the command: loads and ingests are idempotent")
    if is_unavailable(exc) or isinstance(exc, ne.AuthError) or is_rate_limited(exc):
        settings = last_settings()
        if settings is None:
            return f"Neo4j is not reachable ({exc})", "check that the server is up"
        error = connection_error(settings, exc)
        if is_unavailable(exc):
            return f"{error} after retrying for up to {retry_seconds():.0f}s", error.hint
        return str(error), error.hint
    if isinstance(exc, ne.TransientError):
        return f"Neo4j is busy: {exc.message or exc.code} (gave up after retrying)", "re-run the command"
    if isinstance(exc, ne.ClientError):
        return str(cypher_error(exc)), None
    if isinstance(exc, ne.Neo4jError | ne.DriverError):
        return f"Neo4j error ({type(exc).__name__}): {getattr(exc, 'message', None) or exc}", None
    if isinstance(exc, OSError):
        where = one_line(str(exc.filename), 120) + ": " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", None
    if isinstance(exc, MemoryError):
        return "out of memory", "use a smaller --batch-size or input"
    return None


def report(exc: BaseException) -> int:
    """Print ``exc`` as one line (+ hint) on stderr; return the exit code."""
    described = describe(exc)
    if described is None:
        message, hint = f"internal error: {type(exc).__name__}: {exc}", f"this is a bug; {DEBUG_HINT}"
    else:
        message, hint = described
    print(f"error: {one_line(message)}", file=sys.stderr)
    if hint:
        print(f"hint: {one_line(hint)}", file=sys.stderr)
    return 1


def main() -> None:
    """Console-script entry point: one-line errors with hints, exit code 1."""
    import click

    debug = debug_requested()
    try:
        app(standalone_mode=False)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        if debug:
            raise
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the one error boundary
        if debug:
            raise
        sys.exit(report(exc))
