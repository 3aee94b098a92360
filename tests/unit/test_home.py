"""One home for all state: --home > KGREC_HOME > kgrec.toml > ./.kgrec; runs under it unless KGREC_RUNS_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgrec.settings import load_settings, runs_dir


def test_default_home_is_dot_kgrec_in_the_working_directory(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.home == tmp_path / ".kgrec"
    assert (s.neo4j_lib, s.instance_dir) == (tmp_path / ".kgrec/neo4j/lib", tmp_path / ".kgrec/instances/default")
    assert (s.text_cache, s.datasets_cache, s.downloads) == (
        tmp_path / ".kgrec/text-cache", tmp_path / ".kgrec/datasets", tmp_path / ".kgrec/downloads")
    assert runs_dir(env={}) == tmp_path / ".kgrec" / "runs"


def test_kgrec_toml_in_the_working_directory_sets_the_home_relative_to_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kgrec.toml").write_text('[kgrec]\nhome = "state"\n')
    monkeypatch.chdir(tmp_path)
    s = load_settings(env={})
    assert s.home == tmp_path / "state" and s.sources["home"] == "file kgrec.toml"
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    assert load_settings(env={"KGREC_CONFIG": str(tmp_path / "kgrec.toml")}).home == tmp_path / "state"


def test_env_beats_file_and_cli_beats_env(tmp_path: Path) -> None:
    cfg = tmp_path / "kgrec.toml"
    cfg.write_text('[kgrec]\nhome = "/from/file"\n')
    env = {"KGREC_HOME": str(tmp_path / "env-home")}
    assert load_settings(env=env, config_file=cfg).home == tmp_path / "env-home"
    s = load_settings(cli={"home": tmp_path / "cli-home"}, env=env, config_file=cfg)
    assert s.home == tmp_path / "cli-home" and s.sources["home"] == "cli"


def test_runs_dir_override_keeps_working(tmp_path: Path) -> None:
    env = {"KGREC_HOME": str(tmp_path / "h"), "KGREC_RUNS_DIR": str(tmp_path / "elsewhere")}
    assert runs_dir(env=env) == tmp_path / "elsewhere"
    assert runs_dir(env={"KGREC_HOME": str(tmp_path / "h")}) == tmp_path / "h" / "runs"


def test_nothing_in_the_package_anchors_state_to_the_checkout() -> None:
    package = Path(__import__("kgrec").__file__).parent
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if "PROJECT_ROOT" in p.read_text() or '"shared"' in p.read_text()]
    assert offenders == []
