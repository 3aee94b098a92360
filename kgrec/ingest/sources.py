"""Pinned inputs: RecBole 1.2.1's ml-100k (from the PyPI wheel) and the shared Last.fm folder.

The wheel is fetched with ``pip download --no-deps recbole==1.2.1`` into
``<home>/downloads`` and every file is checked against the sha256 pinned here before use.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

from kgrec.errors import InputError, KgrecError
from kgrec.settings import PROJECT_ROOT, Settings

RECBOLE_WHEEL = "recbole-1.2.1-py3-none-any.whl"
RECBOLE_WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
ML100K_MEMBER = "recbole/dataset_example/ml-100k"
ML100K_SHA256 = {
    "ml-100k.inter": "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff",
    "ml-100k.item": "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532",
    "ml-100k.kg": "200a0636fa07c218119a42e5bac7aa3e26e3665a6f919c1b22909bd412b14779",
    "ml-100k.link": "524dca2c3d62619688ab99b3ec53ea2acb9b64d38eafec3e02bdd0dc6bb7d948",
    "ml-100k.user": "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972",
}
LASTFM_DIR = PROJECT_ROOT.parent / "shared" / "data" / "lastfm"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise InputError(str(path), "file not found")
    actual = sha256_of(path)
    if actual != expected:
        raise InputError(str(path), f"sha256 mismatch: expected {expected}, got {actual}")


def ml100k_dir(settings: Settings) -> Path:
    """The verified ml-100k folder, downloading and unpacking the wheel the first time."""
    downloads = settings.home / "downloads"
    target = downloads / ML100K_MEMBER
    if all((target / f).is_file() and sha256_of(target / f) == s for f, s in ML100K_SHA256.items()):
        return target
    wheel = downloads / RECBOLE_WHEEL
    if not wheel.is_file():
        _pip_download(downloads)
    verify(wheel, RECBOLE_WHEEL_SHA256)
    with zipfile.ZipFile(wheel) as zf:
        for name in ML100K_SHA256:
            zf.extract(f"{ML100K_MEMBER}/{name}", downloads)
    for name, expected in ML100K_SHA256.items():
        verify(target / name, expected)
    return target


def _pip_download(downloads: Path) -> None:
    downloads.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "recbole==1.2.1", "-d", str(downloads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["unknown error"]
        raise KgrecError(f"pip download recbole==1.2.1 failed: {tail[0]}",
                         hint="PyPI must be reachable once; the wheel is cached in " + str(downloads))


def verify_sha256sums(directory: Path) -> dict[str, str]:
    """Check every file listed in ``directory/SHA256SUMS``; return name -> sha256."""
    sums = directory / "SHA256SUMS"
    if not sums.is_file():
        raise InputError(str(sums), "file not found")
    checked = {}
    try:
        text = sums.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(sums), "not valid UTF-8") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.strip().partition("  ")
        if not sep or len(digest) != 64:
            raise InputError(str(sums), "expected '<sha256>  <file name>'", number)
        if Path(name).name != name or name in (".", ".."):
            raise InputError(str(sums), "file names must be plain names inside this folder", number)
        verify(directory / name, digest)
        checked[name] = digest
    return checked
