"""The API session a CLI command uses: the command line's settings, closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kgrec.cli.app import settings_of

if TYPE_CHECKING:
    from kgrec.api import Kgrec


@contextmanager
def session(ctx: typer.Context, runs_dir: Path | None = None) -> Iterator[Kgrec]:
    """A :class:`kgrec.api.Kgrec` on the settings of this command line (CLI > env > kgrec.toml > defaults).
    The API is imported here, not at CLI start-up, so ``kgrec --help`` stays fast."""
    from kgrec.api import Kgrec
    from kgrec.train.runs import RunStore

    with Kgrec(settings_of(ctx), RunStore(runs_dir)) as kg:
        yield kg
