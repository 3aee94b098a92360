"""The hostile-input corpus (tests/hostile/, see its README): every case is one clear line, nothing written.

Each case folder holds data files and a ``case.yaml`` naming the loader, the expected ``file:line
(column c)`` prefix of the error and a fragment of its message. The case runs through the real
parse -> validate -> write path against the real Neo4j, which already holds two datasets; the error
must be an :class:`InputError` with exactly that prefix, on one line, echoing nothing from outside the
case, and the graph (counts and a content checksum) must be unchanged. A few cases also run through
the CLI in a subprocess: exit code 1, one line on stderr, no traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kgrec.db import Graph
from kgrec.errors import InputError
from kgrec.ingest.csvspec import read_csv_spec
from kgrec.ingest.lastfm import read_lastfm
from kgrec.ingest.recbole import read_dataset
from kgrec.ingest.validate import RawDataset
from kgrec.maintenance import wipe_data
from kgrec.settings import Settings
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.ingest_fixtures import TINY, load_raw, snapshot
from tests.paths import REPO, TESTS

CORPUS = TESTS / "hostile"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
SECRET = "SECRET-ROOT-LINE"
HUGE_FIELD = 200_000
CLI_CASES = ["spec-properties-not-a-list", "spec-absolute-path-etc-shadow", "spec-symlink-loop",
             "csv-epoch-1e30", "csv-int-property-overflow", "rb-rating-nan", "rb-timestamp-2-pow-63"]


def _fifo(target: Path, rel: str) -> None:
    os.mkfifo(target / rel)


def _huge_field(target: Path, rel: str) -> None:
    with (target / rel).open("a") as fh:
        fh.write("u3,i1," + "9" * HUGE_FIELD + ",880000200\n")


def _secret(target: Path, rel: str) -> None:
    (target / rel).write_text(f"{SECRET},x\n{SECRET},y\n")


SETUP = {"fifo": _fifo, "huge_field": _huge_field, "secret": _secret}


def materialise(name: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A copy of the case folder (links kept as links) with its run-time files (FIFO, huge field) made."""
    meta = yaml.safe_load((CORPUS / name / "case.yaml").read_text())
    target = tmp_path / name
    shutil.copytree(CORPUS / name, target, symlinks=True)
    (target / "case.yaml").unlink()
    for hook, rel in (meta.get("setup") or {}).items():
        SETUP[hook](target, rel)
    return target, meta


def read(target: Path, meta: dict[str, Any]) -> RawDataset:
    if meta["loader"] == "csv":
        return read_csv_spec(target / "mapping.yaml")
    if meta["loader"] == "recbole":
        return read_dataset(target, meta["name"], "hostile")
    assert meta["loader"] == "lastfm", meta
    return read_lastfm(target, "hostile", check_sums=False)


def expected_prefix(target: Path, where: str) -> str:
    return str(target) if where == "." else f"{target}/{where}"


@pytest.fixture(scope="module")
def loaded(settings: Settings) -> Iterator[Graph]:
    """A database holding two valid datasets (RecBole tiny and the CSV bookshop), shared by every case."""
    with Graph(settings) as graph:
        wipe_data(graph)
        load_raw(graph, read_dataset(TINY, dataset="base"))
        load_raw(graph, read_csv_spec(REPO / "examples" / "csv" / "mapping.yaml"))
        yield graph


def test_corpus_is_complete():
    assert len(CASES) >= 100
    loaders = {yaml.safe_load((CORPUS / c / "case.yaml").read_text())["loader"] for c in CASES}
    assert loaders == {"csv", "recbole", "lastfm"}
    for name in CASES:
        meta = yaml.safe_load((CORPUS / name / "case.yaml").read_text())
        assert meta["error"] and meta["where"] and meta["why"], name


@pytest.mark.parametrize("name", CASES)
def test_hostile_case_is_one_line_and_writes_nothing(loaded, tmp_path, name):
    target, meta = materialise(name, tmp_path)
    before = snapshot(loaded)
    with pytest.raises(InputError) as exc:
        load_raw(loaded, read(target, meta))
    message = str(exc.value)
    prefix = expected_prefix(target, meta["where"])
    assert message.startswith(prefix + ":"), f"{message!r} does not start with {prefix!r}:"
    assert meta["error"] in message, message
    assert "\n" not in message and "\r" not in message and len(message) < 600, message
    assert SECRET not in message and "root:" not in message
    assert snapshot(loaded) == before


def test_identical_duplicate_rows_load_once(loaded, tmp_path):
    """Repeated identical rows are not 'values that differ' (they were, with NaN): written once."""
    target, _ = materialise("csv-property-nan-twice", tmp_path)
    (target / "users.csv").write_text("uid,age,score\nu1,34,0.5\nu1,34,0.5\nu2,27,1e15\nu3,51,-0\nu3,51,0\n")
    (target / "events.csv").write_text("uid,iid,stars,qty,ts\nu1,i1,4,1,880000000\nu1,i1,4,1,880000000\n"
                                       "u2,i2,-3.5,0,253402300799\n")
    report = load_raw(loaded, read_csv_spec(target / "mapping.yaml"))
    steps = {s.step: (s.rows, s.created) for s in report.steps}
    assert steps["User nodes"] == (3, 3)
    assert steps["INTERACTED (first load)"] == (2, 2)
    rows = loaded.query("MATCH (u:User {dataset: 'hostile'})-[r:INTERACTED]->(i:Item) "
                        "RETURN u.id AS u, u.score AS score, r.rating AS rating, r.ts AS ts ORDER BY u")
    assert rows == [{"u": "u1", "score": 0.5, "rating": 4.0, "ts": 880000000},
                    {"u": "u2", "score": 1e15, "rating": -3.5, "ts": 253402300799}]
    loaded.query("MATCH (n {dataset: 'hostile'}) DETACH DELETE n")
    loaded.query("MATCH (d:KgrecDataset {name: 'hostile'}) DELETE d")


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_prints_one_line_and_exits_1(loaded, tmp_path, name):
    target, meta = materialise(name, tmp_path)
    if meta["loader"] == "csv":
        args = ["load", "csv", "--spec", str(target / "mapping.yaml")]
    else:
        args = ["load", "recbole", str(target), "--name", meta["name"], "--dataset", "hostile"]
    before = snapshot(loaded)
    proc = run_cli(*args, env=suite_env())
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    assert lines[0].startswith(f"error: {expected_prefix(target, meta['where'])}:"), lines[0]
    assert meta["error"] in lines[0] and SECRET not in proc.stderr + proc.stdout
    assert snapshot(loaded) == before


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux setpriv to drop root's read override")
def test_unreadable_file_is_one_line(loaded, tmp_path):
    """chmod 000 as a user without read permission: tests run as root, so the CLI runs with root's
    CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH removed (setpriv), which makes open() raise PermissionError."""
    target, meta = materialise("rb-rating-nan", tmp_path)
    (target / "x.inter").write_text("user_id:token\titem_id:token\trating:float\n1\t10\t4\n")
    (target / "x.inter").chmod(0)
    before = snapshot(loaded)
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    proc = subprocess.run([*drop, sys.executable, "-m", "kgrec", "load", "recbole", str(target), "--name", "x",
                           "--dataset", "hostile"], env=suite_env(), cwd=REPO, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == f"error: {target}/x.inter: cannot read the file (Permission denied)", proc.stderr
    assert snapshot(loaded) == before
