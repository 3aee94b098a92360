"""Run the real `kgrec` CLI in a subprocess against a chosen environment."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO


def run_cli(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kgrec", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)
