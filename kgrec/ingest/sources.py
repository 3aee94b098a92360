"""File checks shared by the loaders, and the pinned ml-100k folder (see :mod:`kgrec.datasets`).

ml-100k comes from RecBole 1.2.1's PyPI wheel (``pip download --no-deps recbole==1.2.1``), unpacked
into the home cache; every file is checked against the sha256 pinned in the dataset registry.
"""

from __future__ import annotations

from pathlib import Path

from kgrec import datasets
from kgrec.datasets import sha256_of
from kgrec.errors import InputError
from kgrec.settings import Settings

ML100K_SHA256 = datasets.ML100K_FILES

__all__ = ["ML100K_SHA256", "ml100k_dir", "sha256_of", "verify", "verify_sha256sums"]


def verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise InputError(str(path), "file not found")
    actual = sha256_of(path)
    if actual != expected:
        raise InputError(str(path), f"sha256 mismatch: expected {expected}, got {actual}")


def ml100k_dir(settings: Settings, from_dir: Path | None = None) -> Path:
    """The verified ml-100k folder (``--from``, ``KGREC_DATA_DIR``, home cache, else the PyPI wheel)."""
    return datasets.resolve("ml100k", settings, from_dir)


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
