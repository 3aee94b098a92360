"""`kgrec datasets list|fetch` and `kgrec load NAME --from DIR` through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.paths import DATA_DIR


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return suite_env() | {"KGREC_NO_DOWNLOAD": "1"} | extra


def test_list_shows_every_dataset_and_where_it_is_found(tmp_path: Path) -> None:
    result = run_cli("datasets", "list", env=_env(tmp_path, KGREC_HOME=str(tmp_path / "home")))
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    for name in ("ml100k", "lastfm", "movielens-1m"):
        assert name in out
    assert f"found: {DATA_DIR / 'lastfm'}" in out
    assert "non-commercial" in out and "(download on first use)" in out


def test_fetch_verifies_and_caches_in_the_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _env(tmp_path, KGREC_HOME=str(home), KGREC_DATA_DIR=str(tmp_path / "nothing"))
    result = run_cli("datasets", "fetch", "movielens-1m", "--from", str(DATA_DIR), env=env)
    assert result.returncode == 0, result.stderr
    cached = home / "datasets" / "movielens-1m" / "movies.dat"
    assert cached.read_bytes() == (DATA_DIR / "movielens-1m" / "movies.dat").read_bytes()
    again = run_cli("datasets", "fetch", "movielens-1m", env=env)   # now from the home cache alone
    assert again.returncode == 0 and str(home / "datasets" / "movielens-1m") in again.stdout.replace("\n", "")


def test_load_with_a_wrong_checksum_is_one_line_and_writes_nothing(graph, tmp_path: Path) -> None:
    before = graph.run("db/counts")[0]
    bad = tmp_path / "lastfm"
    shutil.copytree(DATA_DIR / "lastfm", bad)
    (bad / "kg.txt").chmod(0o644)
    with (bad / "kg.txt").open("a") as fh:
        fh.write("1\tmusic.artist.origin\t2\n")
    result = run_cli("load", "lastfm", "--from", str(bad), env=_env(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"error: dataset lastfm: {bad}/kg.txt has the wrong sha256")
    assert lines[1].startswith("hint: put the original files") and "--from DIR" in lines[1]
    assert graph.run("db/counts")[0] == before


def test_load_with_missing_files_says_where_it_looked(graph, tmp_path: Path) -> None:
    before = graph.run("db/counts")[0]
    # a fresh home: nothing cached there (the files are looked for before Neo4j is contacted)
    env = _env(tmp_path, KGREC_HOME=str(tmp_path / "home"), KGREC_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "empty").mkdir()
    result = run_cli("load", "lastfm", "--from", str(tmp_path / "empty"), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0] == (f"error: dataset lastfm not found: looked in --from {tmp_path}/empty/lastfm; "
                        f"KGREC_DATA_DIR {tmp_path}/data/lastfm; home cache {env['KGREC_HOME']}/datasets/lastfm; "
                        "downloads are off (KGREC_NO_DOWNLOAD)")
    assert graph.run("db/counts")[0] == before


@pytest.mark.slow
def test_load_lastfm_from_the_data_dir(graph, tmp_path: Path) -> None:
    result = run_cli("load", "lastfm", env=_env(tmp_path), timeout=900)   # KGREC_DATA_DIR from the suite
    assert result.returncode == 0, result.stderr
    counts = {r["label"]: r["count"] for r in graph.run("graph/label_counts", dataset="lastfm")}
    assert counts["User"] == 1892 and counts["Item"] == 17_632
    rels = {r["type"]: r["count"] for r in graph.run("graph/rel_counts", dataset="lastfm")}
    assert rels["INTERACTED"] == 92_834 and rels["FRIEND"] == 25_434


def test_load_from_a_folder_that_does_not_exist_is_refused(graph, tmp_path: Path) -> None:
    before = graph.run("db/counts")[0]
    env = _env(tmp_path, KGREC_HOME=str(tmp_path / "home"))
    result = run_cli("load", "ml100k", "--from", str(tmp_path / "typo"), env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"error: dataset ml100k: --from {tmp_path}/typo is not a folder"
    assert graph.run("db/counts")[0] == before
