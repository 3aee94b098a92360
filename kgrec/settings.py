"""One settings object with RecBole-style precedence: CLI > environment > kgrec.toml > defaults.

All state lives under one **home** (``--home`` / ``KGREC_HOME`` / ``home`` in ``kgrec.toml``; default
``./.kgrec`` in the current directory): the managed Neo4j jars and instances, runs (``<home>/runs``,
``KGREC_RUNS_DIR`` overrides), the text cache and downloaded or cached datasets. The default target is
the managed local Neo4j (``kgrec db start``) whose password lives in a 0600 file under the home.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kgrec.errors import KgrecError

HOME_NAME = ".kgrec"
CONFIG_NAME = "kgrec.toml"

ENV_KEYS = {
    "uri": "NEO4J_URI",
    "user": "NEO4J_USER",
    "password": "NEO4J_PASSWORD",
    "database": "NEO4J_DATABASE",
    "home": "KGREC_HOME",
    "instance": "KGREC_INSTANCE",
    "bolt_port": "KGREC_BOLT_PORT",
    "http_port": "KGREC_HTTP_PORT",
    "heap": "KGREC_NEO4J_HEAP",
    "pagecache": "KGREC_NEO4J_PAGECACHE",
}


def machine_memory_bytes() -> int:
    """Physical memory of this machine (0 when the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def memory_default(fraction: float, floor_mib: int, ceiling_mib: int, total: int | None = None) -> str:
    """A managed-server memory size that follows the machine: ``fraction`` of RAM within [floor, ceiling].

    Heap and page cache each take 1/8 of RAM (1 GiB / 512 MiB at least, 8 GiB at most), so on a 24 GB
    machine the store, the vectors and the heap's query work stay in memory while the rest is left to the
    OS page cache, where Lucene memory-maps the vector index (HNSW graph + vectors), and to training."""
    total = machine_memory_bytes() if total is None else total
    mib = int(total * fraction / 2**20) if total else floor_mib
    return f"{max(floor_mib, min(ceiling_mib, mib))}m"


@dataclass(frozen=True)
class Settings:
    """Effective settings; ``sources`` records where each value came from."""

    uri: str | None = None
    user: str = "neo4j"
    password: str | None = None
    database: str = "neo4j"
    home: Path = field(default_factory=lambda: Path.cwd() / HOME_NAME)
    instance: str = "default"
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = field(default_factory=lambda: memory_default(1 / 8, 1024, 8192))
    pagecache: str = field(default_factory=lambda: memory_default(1 / 8, 512, 8192))
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    # -- state under the home ----------------------------------------------------
    @property
    def datasets_cache(self) -> Path:
        """Verified dataset files kgrec downloaded or unpacked (``<home>/datasets/<folder>``)."""
        return self.home / "datasets"

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"

    @property
    def text_cache(self) -> Path:
        return self.home / "text-cache"

    @property
    def neo4j_lib(self) -> Path:
        return self.home / "neo4j" / "lib"

    @property
    def instance_dir(self) -> Path:
        return self.home / "instances" / self.instance

    @property
    def password_file(self) -> Path:
        return self.instance_dir / "password"

    @property
    def managed(self) -> bool:
        """True when kgrec talks to its own local server (no URI configured)."""
        return self.uri is None

    @property
    def effective_uri(self) -> str:
        return self.uri or f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def effective_password(self) -> str:
        if self.password is not None:
            return self.password
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        raise KgrecError(
            "no Neo4j password: the managed server is not installed and NEO4J_PASSWORD is unset",
            hint="run `kgrec db install` (or set NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD)",
        )

    def as_table(self) -> list[tuple[str, str, str]]:
        """(name, value, source) rows with the password masked."""
        rows = []
        for f in fields(self):
            if f.name == "sources":
                continue
            value = getattr(self, f.name)
            if f.name == "password":
                value = "****" if value else "(from password file)" if self.managed else "(unset)"
            if f.name == "uri" and value is None:
                value = f"{self.effective_uri} (managed)"
            rows.append((f.name, str(value), self.sources.get(f.name, "default")))
        return rows


def _coerce(name: str, raw: Any, base: Path | None = None) -> Any:
    if name in ("bolt_port", "http_port"):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise KgrecError(f"setting {name} must be an integer port, got {raw!r}") from None
    if name == "home":
        return ((base or Path.cwd()) / Path(str(raw)).expanduser()).resolve()
    return str(raw)


def load_settings(cli: dict[str, Any] | None = None, config_file: Path | None = None,
                  env: dict[str, str] | None = None) -> Settings:
    """Merge defaults < kgrec.toml < environment < CLI flags (``None`` CLI values are ignored)."""
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = config_file or Path(env.get("KGREC_CONFIG") or Path.cwd() / CONFIG_NAME)
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise KgrecError(f"{path}: invalid TOML: {exc}") from None
        section = data.get("neo4j", {}) | data.get("kgrec", {})
        known = {f.name for f in fields(Settings)} - {"sources"}
        for key, raw in section.items():
            if key not in known:
                raise KgrecError(f"{path}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
            values[key], sources[key] = _coerce(key, raw, path.parent.resolve()), f"file {path.name}"
    for key, var in ENV_KEYS.items():
        if env.get(var):
            values[key], sources[key] = _coerce(key, env[var]), f"env {var}"
    for key, raw in (cli or {}).items():
        if raw is not None:
            values[key], sources[key] = _coerce(key, raw), "cli"
    return replace(Settings(), **values, sources=sources)


def runs_dir(env: dict[str, str] | None = None) -> Path:
    """Where training runs are recorded: ``$KGREC_RUNS_DIR``, else ``<home>/runs``."""
    env = dict(os.environ) if env is None else env
    override = env.get("KGREC_RUNS_DIR")
    return Path(override).expanduser().resolve() if override else load_settings(env=env).home / "runs"
