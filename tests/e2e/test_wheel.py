"""The built wheel installs into a fresh venv and works from an unrelated directory.

The fresh venv sees the project venv's dependencies through a ``.pth`` file (no torch re-download) and gets
kgrec itself with ``pip install --no-deps <wheel>``; the test checks kgrec is imported from that venv, not
from the checkout, and that the Cypher statements and migrations come from the installed package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import suite_env
from tests.paths import REPO


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
         ) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd}: {result.stdout[-2000:]} {result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this checkout installed (--no-deps)."""
    work = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(work / "dist"),
          str(REPO)], cwd=work)
    wheel = next((work / "dist").glob("kgrec-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=work)
    site = Path(_run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=work).stdout.strip())
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps", "-q",
          str(wheel)], cwd=work)
    return venv


def _env() -> dict[str, str]:
    env = {k: v for k, v in suite_env().items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if str(REPO) not in p)
    return env


def test_wheel_ships_package_data_but_no_test_or_benchmark_statements(tmp_path: Path) -> None:
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
          str(REPO)], cwd=tmp_path)
    names = set(zipfile.ZipFile(next(tmp_path.glob("kgrec-*.whl"))).namelist())
    assert {"kgrec/resources/cypher/db/counts.cypher", "kgrec/resources/cypher/recommend/top_k.cypher",
            "kgrec/resources/migrations/0001_node_keys.cypher", "kgrec/resources/maven/pom.xml",
            "kgrec/ingest/ml100k_ml1m_bridge.tsv"} <= names
    shipped = [n for n in names if n.endswith(".cypher")]
    assert len(shipped) == len(list((REPO / "kgrec" / "resources").rglob("*.cypher")))
    assert not [n for n in names if "fixture" in n or "/bench/" in n or "per_record" in n or n.startswith("tests/")]


def test_installed_kgrec_runs_from_an_unrelated_directory(settings, installed: Path, tmp_path: Path) -> None:
    python, kgrec = str(installed / "bin" / "python"), str(installed / "bin" / "kgrec")
    where = _run([python, "-c", "import kgrec, kgrec.cypher as c, kgrec.migrations as m; "
                                "print(kgrec.__file__); print(c.CYPHER_DIR); print(m.MIGRATIONS_DIR); "
                                "print(len(c.available()), len(m.discover()))"],
                 cwd=tmp_path, env=_env()).stdout.splitlines()
    site = str(installed / "lib")
    assert all(line.startswith(site) for line in where[:3]), where
    assert not any(line.startswith(str(REPO)) for line in where[:3])
    statements, migrations = map(int, where[3].split())
    assert statements == len(list((REPO / "kgrec" / "resources" / "cypher").rglob("*.cypher")))
    assert migrations == len(list((REPO / "kgrec" / "resources" / "migrations").glob("*.cypher")))

    helped = _run([kgrec, "--help"], cwd=tmp_path, env=_env())
    assert "--home" in helped.stdout and "datasets" in helped.stdout

    answered = _run([kgrec, "db", "cypher", "RETURN 1 AS one"], cwd=tmp_path, env=_env(), timeout=120)
    assert answered.stdout.split()[-2:] == ["1", "│"] or " 1 " in answered.stdout
    assert "one" in answered.stdout
    status = _run([kgrec, "db", "migrate", "--status"], cwd=tmp_path, env=_env(), timeout=120)
    assert "0001" in status.stdout or "node_keys" in status.stdout
    assert not (tmp_path / ".kgrec").exists()   # the suite's KGREC_HOME was used, nothing left in the cwd
