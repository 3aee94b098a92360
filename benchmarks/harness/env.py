"""Machine, versions, dataset checksums and the benchmark's own Neo4j instance."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from kgrec import datasets, migrations, server
from kgrec.datasets import sha256_of
from kgrec.db import Graph
from kgrec.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]          # the checkout
KGREC = str(ROOT / ".venv" / "bin" / "kgrec")
# the checkout's home and the shared data folder, unless the caller chose others
os.environ.setdefault("KGREC_HOME", str(ROOT / ".kgrec"))
os.environ.setdefault("KGREC_DATA_DIR", str(ROOT.parent / "shared" / "data"))


def ml100k_dir() -> Path:
    """The verified ml-100k folder (registry: KGREC_DATA_DIR, the home cache, else the recbole wheel)."""
    return datasets.resolve("ml100k", load_settings())


def machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    java = subprocess.run([server.java_binary(), "-version"], capture_output=True, text=True).stderr.splitlines()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    jars = sorted(p.name for p in load_settings().neo4j_lib.glob("neo4j-5.26.*.jar"))
    return {"CPU": f"{cpu} ({os.cpu_count()} cores)", "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
            "OS": platform.platform(), "Python": platform.python_version(),
            "Java": java[0] if java else "?", "Neo4j": jars[0].removesuffix(".jar") if jars else "?",
            "kgrec git commit": commit, "python packages": _packages()}


def _packages() -> str:
    import importlib.metadata as md

    names = ("torch", "dgl", "numpy", "neo4j", "sentence-transformers")
    found = []
    for name in names:
        try:
            found.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            continue
    return ", ".join(found)


def checksums() -> dict[str, str]:
    ml100k = ml100k_dir()   # fetched from the recbole wheel and verified when missing
    lastfm = datasets.resolve("lastfm", load_settings())
    sums = {f"ml-100k/{p.name}": sha256_of(p) for p in sorted(ml100k.glob("ml-100k.*"))}
    sums |= {f"lastfm/{p.name}": sha256_of(p) for p in sorted(lastfm.glob("*")) if p.is_file()}
    return sums


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z")


# -- the benchmark's own Neo4j instance -----------------------------------------------------
def bench_settings() -> Settings:
    """KGREC_INSTANCE/KGREC_BOLT_PORT/KGREC_HTTP_PORT from the environment; refuse the shared defaults."""
    settings = load_settings()
    if settings.instance in ("default", "test") or settings.bolt_port in (7687, 7688):
        raise SystemExit("benchmarks need their own instance: set KGREC_INSTANCE, KGREC_BOLT_PORT and "
                         "KGREC_HTTP_PORT (e.g. KGREC_INSTANCE=bench KGREC_BOLT_PORT=7723 KGREC_HTTP_PORT=7724)")
    return settings


def ensure_running(settings: Settings) -> None:
    """Install (first time) and start the benchmark instance; a running one is left as it is."""
    server.install(settings, quiet=True)
    server.start(settings)
    migrate(settings)


def load_average() -> float:
    """The 1-minute load average (recorded before and after every section)."""
    return round(os.getloadavg()[0], 2)


def wait_quiet(limit: float, longest: float = 240.0) -> float:
    """Wait (at most ``longest`` s) for the 1-minute load average to fall to ``limit``: it lags the previous
    section's own load by a minute or more. Returns the average it starts with."""
    deadline = time.monotonic() + longest
    while load_average() > limit and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def migrate(settings: Settings) -> None:
    """Apply kgrec's migrations (the library call `kgrec db migrate` makes)."""
    with Graph(settings) as graph:
        migrations.migrate(graph)


def cli_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"KGREC_INSTANCE": settings.instance, "KGREC_BOLT_PORT": str(settings.bolt_port),
                "KGREC_HTTP_PORT": str(settings.http_port), "DGLBACKEND": "pytorch", "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1"})
    return env


def fresh_database(settings: Settings) -> None:
    """Stop the instance, delete its `neo4j` store (users/passwords in `system` stay), start, migrate."""
    server.install(settings, quiet=True)
    server.stop(settings)
    data = settings.instance_dir / "data"
    for sub in ("databases/neo4j", "transactions/neo4j"):
        shutil.rmtree(data / sub, ignore_errors=True)
    server.start(settings)
    migrate(settings)


def with_instance(settings: Settings, name: str) -> Settings:
    return replace(settings, instance=name)
