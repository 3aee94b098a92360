"""User-facing errors: one clear line, raised before anything is written.

Every error the library raises on purpose is a :class:`KgrecError` (or a subclass), so a notebook can
``except kgrec.KgrecError`` and the CLI prints it as one line. Cypher errors the server refuses are
translated here, in one place (:func:`cypher_errors`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class KgrecError(Exception):
    """An error the CLI prints as one line (plus an optional hint) and exits 1 on."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class InputError(KgrecError):
    """Bad input data: names the file, line and column where it can."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 column: str | None = None) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
        if column is not None:
            where += f" (column {column})"
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.column = str(path), line, column


class NotFoundError(KgrecError):
    """A run, model version, user, item or dataset that does not exist."""


class ModelMismatchError(KgrecError):
    """Vectors of another model or dimension than the one they are used with."""


class CypherError(KgrecError):
    """Neo4j refused a statement (syntax, constraint, missing procedure): the server's first line."""

    def __init__(self, message: str, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


def cypher_error(exc: BaseException) -> CypherError:
    """The one-line :class:`CypherError` for a driver ``ClientError``."""
    message = getattr(exc, "message", None) or getattr(exc, "code", None) or str(exc) or "Cypher error"
    first = next((line.strip() for line in str(message).splitlines() if line.strip()), "Cypher error")
    return CypherError(f"Neo4j refused the request: {first}", code=getattr(exc, "code", None))


@contextmanager
def cypher_errors() -> Iterator[None]:
    """Turn a Neo4j ``ClientError`` raised inside the block into a :class:`CypherError`."""
    from neo4j.exceptions import ClientError

    try:
        yield
    except ClientError as exc:
        raise cypher_error(exc) from None
