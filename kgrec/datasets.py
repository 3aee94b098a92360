"""The public datasets kgrec knows by name: where they come from, their checksums, their licence.

A dataset's files resolve, in order, from ``--from DIR``, each folder of ``KGREC_DATA_DIR``
(``os.pathsep``-separated), the home cache (``<home>/datasets/<folder>``), then a download into that
cache when the network allows (``KGREC_NO_DOWNLOAD=1`` forbids it). In a data folder the files may sit
in ``DIR/<folder>/`` or directly in ``DIR/``. Every file is checked against the sha256 pinned here;
a mismatch or a missing file stops with one line naming where kgrec looked and how to supply the files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kgrec.errors import KgrecError
from kgrec.settings import Settings

DOWNLOAD_TIMEOUT = 60


@dataclass(frozen=True)
class Fetch:
    """One automatic download: an archive (a zip, or a PyPI wheel via ``pip download``) and a member folder."""

    url: str                  # https://… or pypi:<requirement>
    archive: str              # file name of the downloaded archive
    member: str               # folder inside the archive holding the dataset's files ("" = top level)
    files: tuple[str, ...]    # which of the dataset's files this archive provides
    sha256: str | None = None  # of the archive itself, when pinned


@dataclass(frozen=True)
class Dataset:
    name: str
    folder: str               # folder name inside a data dir and inside the home cache
    summary: str
    files: dict[str, str]     # file name -> sha256
    sources: tuple[str, ...]  # where the files come from (provenance, for people)
    licence: str
    fetches: tuple[Fetch, ...] = ()

    @property
    def downloadable(self) -> bool:
        return bool(self.fetches)


ML100K_FILES = {
    "ml-100k.inter": "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
    "ml-100k.item": "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
    "ml-100k.kg": "200a0636fa07c218119a42e5bac7aa3e26e3665a6f919c1b22909bd412b14779",
    "ml-100k.link": "524dca2c3d62619688ab99b3ec53ea2acb9b64d38eafec3e02bdd0dc6bb7d948",
    "ml-100k.user": "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
}
HETREC_ZIP = "https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip"
KGCN_MUSIC = "https://raw.githubusercontent.com/hwwang55/KGCN/master/data/music"
ML1M_ZIP = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"

REGISTRY: dict[str, Dataset] = {d.name: d for d in (
    Dataset(
        name="ml100k", folder="ml-100k",
        summary="MovieLens-100K with RecBole's Freebase KG: 943 users, 1,682 items, 100,000 ratings",
        files=ML100K_FILES,
        sources=("https://pypi.org/project/recbole/1.2.1/ (recbole-1.2.1-py3-none-any.whl, "
                 "recbole/dataset_example/ml-100k/)", "https://grouplens.org/datasets/movielens/100k/"),
        licence="MovieLens terms: research use, no redistribution (kgrec downloads, never ships, these files)",
        fetches=(Fetch("pypi:recbole==1.2.1", "recbole-1.2.1-py3-none-any.whl", "recbole/dataset_example/ml-100k",
                       tuple(ML100K_FILES),
                       "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"),)),
    Dataset(
        name="lastfm", folder="lastfm",
        summary="Last.fm HetRec 2011 listens, artists, friendships + KGCN's Freebase KG (1,892 users)",
        files={
            "user_artists.dat": "254272fa721c3935e8be286d28c051b206844307128698ab4eaa41d483379416",
            "artists.dat": "4c99dc28397ec559520d5bf5341f4c952c8c416c3de918548f88269b88039806",
            "user_friends.dat": "0360883a3557776e04fdebda851f2e5dd23e796cad7059b968acdebd528d13fa",
            "item_index2entity_id.txt": "f9693bdde538f755d09b9931b0be662a98965e538658a00c2050912c0adf487b",
            "kg.txt": "f62bbc8f717c9f68e66dff6faeaa71025092acc11a0f1b4878b953eb05f946a9",
        },
        sources=(HETREC_ZIP + " (user_artists.dat, artists.dat, user_friends.dat)",
                 "https://github.com/hwwang55/KGCN/tree/master/data/music (kg.txt, item_index2entity_id.txt)"),
        licence="HetRec 2011 Last.fm 2K: non-commercial use, cite the dataset; KG from KGCN (Wang et al., WWW 2019)",
        fetches=(Fetch(HETREC_ZIP, "hetrec2011-lastfm-2k.zip", "",
                       ("user_artists.dat", "artists.dat", "user_friends.dat")),
                 Fetch(f"{KGCN_MUSIC}/kg.txt", "kg.txt", "", ("kg.txt",)),
                 Fetch(f"{KGCN_MUSIC}/item_index2entity_id.txt", "item_index2entity_id.txt", "",
                       ("item_index2entity_id.txt",)))),
    Dataset(
        name="movielens-1m", folder="movielens-1m",
        summary="MovieLens-1M movie list: the id bridge from ml-100k titles to RecBole's .link ids",
        files={"movies.dat": "f3230f6500a9f97940c15421ce1220d16d80a77ea7a20d3933b946fe783a6ef6"},
        sources=(ML1M_ZIP + " (ml-1m/movies.dat)",),
        licence="MovieLens terms: research use, no redistribution",
        fetches=(Fetch(ML1M_ZIP, "ml-1m.zip", "ml-1m", ("movies.dat",)),)),
)}


# -- lookup ------------------------------------------------------------------------------------------
def get(name: str) -> Dataset:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KgrecError(f"unknown dataset {name!r} (known: {', '.join(REGISTRY)})",
                         hint="`kgrec datasets list` shows them") from None


def search_dirs(settings: Settings, from_dir: Path | None = None,
                env: dict[str, str] | None = None) -> list[tuple[str, Path]]:
    """(label, folder) pairs in resolution order, before the home cache."""
    env = dict(os.environ) if env is None else env
    found = [("--from", from_dir)] if from_dir is not None else []
    for part in (env.get("KGREC_DATA_DIR") or "").split(os.pathsep):
        if part.strip():
            found.append(("KGREC_DATA_DIR", Path(part.strip()).expanduser()))
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve(name: str, settings: Settings, from_dir: Path | None = None, download: bool | None = None,
            env: dict[str, str] | None = None) -> Path:
    """The folder holding dataset ``name``'s verified files (downloading them into the home cache if needed)."""
    dataset = get(name)
    if from_dir is not None and not Path(from_dir).is_dir():
        raise KgrecError(f"dataset {dataset.name}: --from {from_dir} is not a folder", hint=_supply_hint(dataset))
    env = dict(os.environ) if env is None else env
    if download is None:
        download = env.get("KGREC_NO_DOWNLOAD", "").lower() not in ("1", "true", "yes")
    places = [*search_dirs(settings, from_dir, env), ("home cache", settings.datasets_cache)]
    looked = []
    for label, root in places:
        folder = _holding_folder(dataset, root)
        looked.append(f"{label} {root / dataset.folder}")
        if folder is not None:
            _verify(dataset, folder, label, looked)
            return folder
    if not download or not dataset.downloadable:
        why = "downloads are off (KGREC_NO_DOWNLOAD)" if dataset.downloadable else "no automatic download"
        raise _not_found(dataset, looked, why)
    target = settings.datasets_cache / dataset.folder
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _download(dataset, staging, settings.downloads)
    except KgrecError as exc:
        raise _not_found(dataset, looked, f"the download failed ({exc})") from None
    _verify(dataset, staging, "download", looked)
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    return target


def locate(name: str, settings: Settings, from_dir: Path | None = None,
           env: dict[str, str] | None = None) -> Path | None:
    """Where ``name``'s files are now (unverified), or None: for listings."""
    dataset = get(name)
    places = [*search_dirs(settings, from_dir, env), ("home cache", settings.datasets_cache)]
    return next((f for _, root in places if (f := _holding_folder(dataset, root)) is not None), None)


def cache_copy(name: str, folder: Path, settings: Settings) -> Path:
    """Copy the verified files of ``name`` from ``folder`` into the home cache; return the cache folder."""
    dataset = get(name)
    target = settings.datasets_cache / dataset.folder
    if folder.resolve() == target.resolve():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for file in dataset.files:
        shutil.copyfile(folder / file, target / file)
    return target


# -- helpers -----------------------------------------------------------------------------------------
def _holding_folder(dataset: Dataset, root: Path) -> Path | None:
    """``root/<folder>`` or ``root`` itself when it holds any of the dataset's files."""
    for folder in (root / dataset.folder, root):
        if any((folder / f).is_file() for f in dataset.files):
            return folder
    return None


def _verify(dataset: Dataset, folder: Path, label: str, looked: list[str]) -> None:
    for file, expected in dataset.files.items():
        path = folder / file
        if not path.is_file():
            raise KgrecError(f"dataset {dataset.name}: {path} is missing ({label}; looked in {'; '.join(looked)})",
                             hint=_supply_hint(dataset))
        actual = sha256_of(path)
        if actual != expected:
            raise KgrecError(f"dataset {dataset.name}: {path} has the wrong sha256 ({actual[:16]}…, expected "
                             f"{expected[:16]}…; from {label})", hint=_supply_hint(dataset))


def _not_found(dataset: Dataset, looked: list[str], why: str) -> KgrecError:
    return KgrecError(f"dataset {dataset.name} not found: looked in {'; '.join(looked)}; {why}",
                      hint=_supply_hint(dataset))


def _supply_hint(dataset: Dataset) -> str:
    return (f"put the original files ({', '.join(dataset.files)}) in a folder and pass --from DIR or set "
            f"KGREC_DATA_DIR (source: {dataset.sources[0]})")


def _download(dataset: Dataset, target: Path, downloads: Path) -> None:
    downloads.mkdir(parents=True, exist_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    for fetch in dataset.fetches:
        archive = downloads / fetch.archive
        if not archive.is_file():
            _fetch(fetch, downloads)
        if fetch.sha256 and sha256_of(archive) != fetch.sha256:
            archive.unlink()
            raise KgrecError(f"{fetch.url} has the wrong sha256")
        _unpack(fetch, archive, target)


def _fetch(fetch: Fetch, downloads: Path) -> None:
    if fetch.url.startswith("pypi:"):
        _pip_download(fetch.url.removeprefix("pypi:"), downloads)
        return
    part = downloads / (fetch.archive + ".part")
    try:
        with urllib.request.urlopen(fetch.url, timeout=DOWNLOAD_TIMEOUT) as response, part.open("wb") as out:
            shutil.copyfileobj(response, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise KgrecError(f"{fetch.url}: {getattr(exc, 'reason', None) or exc}") from None
    part.replace(downloads / fetch.archive)


def _pip_download(requirement: str, downloads: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", requirement,
           "-d", str(downloads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["unknown error"]
        raise KgrecError(f"pip download {requirement} failed: {tail[0]}")


def _unpack(fetch: Fetch, archive: Path, target: Path) -> None:
    if not zipfile.is_zipfile(archive):
        if fetch.files != (fetch.archive,):
            raise KgrecError(f"{archive} is not a zip archive")
        shutil.copyfile(archive, target / fetch.archive)
        return
    with zipfile.ZipFile(archive) as zf:
        for file in fetch.files:
            member = f"{fetch.member}/{file}" if fetch.member else file
            try:
                data = zf.read(member)
            except KeyError:
                raise KgrecError(f"{archive} has no {member}") from None
            (target / file).write_bytes(data)
