"""Settings precedence: CLI > environment > kgrec.toml > defaults; password masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgrec.errors import KgrecError
from kgrec.settings import load_settings


def _toml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kgrec.toml"
    path.write_text(body)
    return path


def test_defaults_target_the_managed_server(tmp_path: Path) -> None:
    s = load_settings(env={}, config_file=tmp_path / "missing.toml")
    assert s.managed is True
    assert s.effective_uri == "bolt://127.0.0.1:7687"
    assert (s.user, s.database, s.http_port) == ("neo4j", "neo4j", 7474)


def test_file_overrides_defaults(tmp_path: Path) -> None:
    cfg = _toml(tmp_path, '[neo4j]\nuri = "bolt://file:7687"\nuser = "fileuser"\n')
    s = load_settings(env={}, config_file=cfg)
    assert (s.uri, s.user) == ("bolt://file:7687", "fileuser")
    assert s.sources["uri"] == "file kgrec.toml"
    assert s.managed is False


def test_env_overrides_file_and_cli_overrides_env(tmp_path: Path) -> None:
    cfg = _toml(tmp_path, '[neo4j]\nuri = "bolt://file:1"\nuser = "fileuser"\ndatabase = "filedb"\n')
    env = {"NEO4J_URI": "bolt://env:2", "NEO4J_USER": "envuser"}
    s = load_settings(cli={"uri": "bolt://cli:3", "user": None}, env=env, config_file=cfg)
    assert s.uri == "bolt://cli:3" and s.sources["uri"] == "cli"
    assert s.user == "envuser" and s.sources["user"] == "env NEO4J_USER"
    assert s.database == "filedb" and s.sources["database"] == "file kgrec.toml"


def test_password_is_masked_in_the_table(tmp_path: Path) -> None:
    s = load_settings(env={"NEO4J_PASSWORD": "s3cret-value"}, config_file=tmp_path / "none.toml")
    rendered = " ".join(" ".join(row) for row in s.as_table())
    assert "s3cret-value" not in rendered
    assert ("password", "****", "env NEO4J_PASSWORD") in s.as_table()


def test_unknown_key_in_file_is_a_clear_error(tmp_path: Path) -> None:
    cfg = _toml(tmp_path, '[neo4j]\nurl = "bolt://typo"\n')
    with pytest.raises(KgrecError, match=r"kgrec.toml: unknown setting 'url'"):
        load_settings(env={}, config_file=cfg)


def test_bad_port_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KgrecError, match="bolt_port must be an integer port"):
        load_settings(env={"KGREC_BOLT_PORT": "seventy"}, config_file=tmp_path / "none.toml")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    cfg = _toml(tmp_path, "[neo4j\nuri=")
    with pytest.raises(KgrecError, match="kgrec.toml: invalid TOML"):
        load_settings(env={}, config_file=cfg)


def test_managed_server_memory_follows_the_machine() -> None:
    from kgrec.settings import memory_default

    gib = 2**30
    assert memory_default(1 / 8, 1024, 8192, total=8 * gib) == "1024m"       # laptop: the floors
    assert memory_default(1 / 8, 1024, 8192, total=24 * gib) == "3072m"      # this machine: 1/8 of RAM
    assert memory_default(1 / 8, 1024, 8192, total=256 * gib) == "8192m"     # big box: the ceiling
    assert memory_default(1 / 8, 512, 8192, total=0) == "512m"               # unknown RAM: the floor
