"""User-facing errors: one clear line, raised before anything is written."""

from __future__ import annotations


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
