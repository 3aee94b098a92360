"""The dataset registry: --from, KGREC_DATA_DIR, the home cache; checksums; one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kgrec import datasets
from kgrec.errors import KgrecError
from kgrec.settings import Settings
from tests.paths import DATA_DIR

MOVIES = "f3230f6500a9f97940c15421ce1220d16d80a77ea7a20d3933b946fe783a6ef6"
OFFLINE = {"KGREC_NO_DOWNLOAD": "1"}


@pytest.fixture()
def home(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture()
def movies_dir(tmp_path: Path) -> Path:
    """A copy of the real movielens-1m folder (DATA_DIR/movielens-1m/movies.dat)."""
    source = DATA_DIR / "movielens-1m" / "movies.dat"
    assert source.is_file(), f"{source} is missing: set KGREC_DATA_DIR to the shared data folder"
    target = tmp_path / "data" / "movielens-1m"
    target.mkdir(parents=True)
    shutil.copyfile(source, target / "movies.dat")
    return tmp_path / "data"


def test_every_entry_has_sources_checksums_and_a_licence() -> None:
    assert set(datasets.REGISTRY) == {"ml100k", "lastfm", "movielens-1m"}
    for d in datasets.REGISTRY.values():
        assert d.sources and d.licence and d.files
        assert all(len(s) == 64 and int(s, 16) >= 0 for s in d.files.values())
    assert datasets.get("movielens-1m").files == {"movies.dat": MOVIES}
    assert datasets.get("lastfm").files["kg.txt"].startswith("f62bbc8f")


def test_from_dir_then_data_dir_then_home_cache(home: Settings, movies_dir: Path, tmp_path: Path) -> None:
    env = OFFLINE | {"KGREC_DATA_DIR": str(movies_dir)}
    assert datasets.resolve("movielens-1m", home, env=env) == movies_dir / "movielens-1m"
    # the files may also sit directly in the folder given
    assert datasets.resolve("movielens-1m", home, movies_dir / "movielens-1m", env=OFFLINE) == \
        movies_dir / "movielens-1m"
    other = tmp_path / "other"
    shutil.copytree(movies_dir, other)
    assert datasets.resolve("movielens-1m", home, other, env=env) == other / "movielens-1m"   # --from first
    cached = datasets.cache_copy("movielens-1m", other / "movielens-1m", home)
    assert cached == home.home / "datasets" / "movielens-1m"
    assert datasets.resolve("movielens-1m", home, env=OFFLINE) == cached
    assert datasets.sha256_of(cached / "movies.dat") == MOVIES


def test_wrong_checksum_is_one_line_naming_the_file(home: Settings, movies_dir: Path) -> None:
    path = movies_dir / "movielens-1m" / "movies.dat"
    path.write_bytes(path.read_bytes().replace(b"Toy Story", b"Toy Storm", 1))
    with pytest.raises(KgrecError) as caught:
        datasets.resolve("movielens-1m", home, movies_dir, env=OFFLINE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"dataset movielens-1m: {path} has the wrong sha256")
    assert "expected f3230f6500a9f979" in message and "from --from" in message
    assert "--from DIR" in caught.value.hint and "KGREC_DATA_DIR" in caught.value.hint


def test_missing_files_name_every_place_looked(home: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = OFFLINE | {"KGREC_DATA_DIR": str(tmp_path / "nowhere")}
    with pytest.raises(KgrecError) as caught:
        datasets.resolve("lastfm", home, empty, env=env)
    message = str(caught.value)
    assert "\n" not in message
    assert message == (f"dataset lastfm not found: looked in --from {empty}/lastfm; KGREC_DATA_DIR "
                       f"{tmp_path}/nowhere/lastfm; home cache {home.home}/datasets/lastfm; "
                       "downloads are off (KGREC_NO_DOWNLOAD)")
    assert "user_artists.dat" in caught.value.hint and "hetrec2011-lastfm-2k.zip" in caught.value.hint


def test_a_partial_folder_names_the_missing_file(home: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "lastfm"
    folder.mkdir()
    shutil.copyfile(DATA_DIR / "lastfm" / "kg.txt", folder / "kg.txt")
    with pytest.raises(KgrecError, match=r"^dataset lastfm: .*/lastfm/user_artists.dat is missing \(--from"):
        datasets.resolve("lastfm", home, folder, env=OFFLINE)


def test_unknown_dataset_lists_the_known_ones(home: Settings) -> None:
    with pytest.raises(KgrecError, match=r"unknown dataset 'ml20m' \(known: ml100k, lastfm, movielens-1m\)"):
        datasets.resolve("ml20m", home)


def test_a_from_folder_that_does_not_exist_is_refused_not_skipped(home: Settings, tmp_path: Path,
                                                                 movies_dir: Path) -> None:
    env = {"KGREC_DATA_DIR": str(movies_dir)}          # would be found there: the typo must still stop it
    with pytest.raises(KgrecError, match=rf"^dataset movielens-1m: --from {tmp_path}/typo is not a folder$"):
        datasets.resolve("movielens-1m", home, tmp_path / "typo", env=env)
