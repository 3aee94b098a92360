"""Bad input: a one-line error naming file and line (and column), and the graph left exactly as it was.

Each case edits a copy of a tiny valid dataset, runs the same parse -> validate -> write path as
`kgrec load`, and compares a fingerprint of the database (counts per label and per relationship
type) before and after. A base dataset is loaded first so "unchanged" is not trivially empty.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kgrec.errors import InputError, KgrecError
from kgrec.ingest.csvspec import read_csv_spec
from kgrec.ingest.lastfm import read_lastfm
from kgrec.ingest.recbole import read_dataset
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.ingest_fixtures import LASTFM_TINY, TINY, copy_tiny, fingerprint, load_raw
from tests.paths import REPO

EXAMPLE_CSV = REPO / "examples" / "csv"


def _edit(name: str, fn: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        path = d / name
        path.write_text("\n".join(fn(path.read_text().splitlines())) + "\n")
    return apply


def _set_line(name: str, number: int, text: str) -> Callable[[Path], None]:
    def fn(lines: list[str]) -> list[str]:
        lines[number - 1] = text
        return lines
    return _edit(name, fn)


def _append(name: str, text: str) -> Callable[[Path], None]:
    return _edit(name, lambda lines: [*lines, text])


def _write_bytes(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda d: (d / name).write_bytes(data)


def _remove(name: str) -> Callable[[Path], None]:
    return lambda d: (d / name).unlink()


# (id, edit of the tiny RecBole copy, expected "file:line" prefix, expected message fragment)
RECBOLE_CASES = [
    ("wrong-column-count", _set_line("tiny.inter", 3, "1\t11\t3"), "tiny.inter:3", "expected 4 tab-separated"),
    ("unparsable-rating", _set_line("tiny.inter", 4, "2\t10\tfive\t880000200"), "tiny.inter:4 (column rating)",
     "'five' is not a number"),
    ("unparsable-timestamp", _set_line("tiny.inter", 5, "2\t12\t2\t2020-01-01"), "tiny.inter:5 (column timestamp)",
     "is not a number"),
    ("event-unknown-user", _append("tiny.inter", "99\t10\t4\t880000900"), "tiny.inter:8 (column user)",
     "unknown user '99'"),
    ("event-unknown-item", _append("tiny.inter", "1\t999\t4\t880000900"), "tiny.inter:8 (column item)",
     "unknown item '999'"),
    ("duplicate-event-conflict", _append("tiny.inter", "1\t10\t2\t880000000"), "tiny.inter:8",
     "duplicate event"),
    ("duplicate-user-conflict", _append("tiny.user", "2\t54\tF\tother\t94043"), "tiny.user:5",
     "duplicate user id '2' with values that differ from line 3"),
    ("duplicate-item-conflict", _append("tiny.item", "11\tBeta Film II\t1995\tDrama"), "tiny.item:6",
     "duplicate item id '11'"),
    ("empty-inter", _write_bytes("tiny.inter", b""), "tiny.inter", "empty file"),
    ("header-only-item", _write_bytes("tiny.item", b"item_id:token\tmovie_title:token_seq\n"), "tiny.item:1",
     "no data rows"),
    ("undecodable-bytes", _write_bytes("tiny.item", b"item_id:token\tmovie_title:token_seq\n10\tAlpha\n"
                                                    b"11\tB\xe9ta\n"), "tiny.item:3", "not valid UTF-8"),
    ("unsafe-relation-backtick", _append("tiny.kg", "m.alpha\tx`]->() DETACH DELETE n//\tm.beta"),
     "tiny.kg:9 (column relation)", "not a safe identifier"),
    ("relation-starting-with-digit", _append("tiny.kg", "m.alpha\t1film.genre\tm.beta"),
     "tiny.kg:9 (column relation)", "not a safe identifier"),
    ("relation-reserved-type", _append("tiny.kg", "m.alpha\tinteracted\tm.beta"), "tiny.kg:9 (column relation)",
     "reserved type INTERACTED"),
    ("relation-sanitised-collision", _append("tiny.kg", "m.alpha\tfilm_film.genre\tm.beta"),
     "tiny.kg:9 (column relation)", "both become type FILM_FILM_GENRE"),
    ("link-unknown-item", _append("tiny.link", "77\tm.zeta"), "tiny.link:5 (column item)", "unknown item '77'"),
    ("item-linked-twice", _append("tiny.link", "10\tm.other"), "tiny.link:5 (column entity)",
     "item '10' linked to entity 'm.other' but line 2"),
    ("entity-linked-twice", _append("tiny.link", "13\tm.alpha"), "tiny.link:5 (column item)",
     "entity 'm.alpha' linked to item '13'"),
    ("bad-header-type", _set_line("tiny.inter", 1, "user_id:token\titem_id:token\trating:number\ttimestamp:float"),
     "tiny.inter:1 (column 3)", "must look like name:type"),
    ("header-without-types", _set_line("tiny.user", 1, "user_id\tage\tgender\toccupation\tzip_code"),
     "tiny.user:1 (column 1)", "must look like name:type"),
    ("missing-inter-file", _remove("tiny.inter"), "tiny.inter", "file not found"),
    ("missing-required-column", _set_line("tiny.link", 1, "item_id:token\tentity:token"), "tiny.link:1",
     "missing column 'entity_id'"),
    ("empty-head-entity", _append("tiny.kg", "\tfilm.film.genre\tm.beta"), "tiny.kg:9", "empty head or tail"),
]


@pytest.fixture()
def base(graph):
    """A database already holding the valid tiny dataset under another name."""
    load_raw(graph, read_dataset(TINY, dataset="base"))
    return graph


@pytest.mark.parametrize("edit, where, fragment", [c[1:] for c in RECBOLE_CASES], ids=[c[0] for c in RECBOLE_CASES])
def test_bad_recbole_input_names_the_line_and_writes_nothing(base, tmp_path, edit, where, fragment):
    directory = copy_tiny(tmp_path)
    edit(directory)
    before = fingerprint(base)
    with pytest.raises(InputError) as exc:
        load_raw(base, read_dataset(directory, dataset="bad"))
    message = str(exc.value)
    assert f"{directory}/{where}" in message, message
    assert fragment in message, message
    assert "\n" not in message
    assert fingerprint(base) == before


def test_missing_directory(base, tmp_path):
    before = fingerprint(base)
    with pytest.raises(InputError, match=r"nowhere: directory not found"):
        load_raw(base, read_dataset(tmp_path / "nowhere"))
    assert fingerprint(base) == before


def _csv_copy(tmp_path: Path) -> Path:
    target = tmp_path / "csv"
    shutil.copytree(EXAMPLE_CSV, target)
    return target


CSV_CASES = [
    ("csv-bad-iso-timestamp", "purchases.csv", 3, "c1,b2,4,1,last tuesday", "purchases.csv:3 (column bought_at)",
     "not an ISO 8601 timestamp"),
    ("csv-unknown-item-in-relation", "book_authors.csv", 4, "b9,a2", "book_authors.csv:4 (column isbn)",
     "relation references unknown item 'b9'"),
    ("csv-wrong-column-count", "customers.csv", 3, "c2,27", "customers.csv:3", "expected 3 columns, found 2"),
    ("csv-event-unknown-user", "purchases.csv", 2, "zz,b1,5,1,2024-03-01T10:00:00",
     "purchases.csv:2 (column user)", "unknown user 'zz'"),
    ("csv-friend-unknown-user", "follows.csv", 2, "c1,c9", "follows.csv:2 (column friend)", "unknown user 'c9'"),
    ("csv-unparsable-stars", "purchases.csv", 4, "c2,b1,three,2,2024-04-02T09:15:00",
     "purchases.csv:4 (column stars)", "'three' is not a number"),
]


@pytest.mark.parametrize("name, line, text, where, fragment", [c[1:] for c in CSV_CASES],
                         ids=[c[0] for c in CSV_CASES])
def test_bad_csv_input_names_the_line_and_writes_nothing(base, tmp_path, name, line, text, where, fragment):
    directory = _csv_copy(tmp_path)
    _set_line(name, line, text)(directory)
    before = fingerprint(base)
    with pytest.raises(InputError) as exc:
        load_raw(base, read_csv_spec(directory / "mapping.yaml"))
    assert f"{directory}/{where}" in str(exc.value) and fragment in str(exc.value), str(exc.value)
    assert fingerprint(base) == before


def test_csv_spec_problems(base, tmp_path):
    directory = _csv_copy(tmp_path)
    before = fingerprint(base)
    spec = directory / "mapping.yaml"
    spec.write_text(spec.read_text().replace("file: authors.csv", "file: writers.csv"))
    with pytest.raises(InputError, match=r"writers\.csv: file not found"):
        load_raw(base, read_csv_spec(spec))
    spec.write_text(spec.read_text().replace("writers.csv", "authors.csv").replace("name: name", "name: full_name"))
    with pytest.raises(InputError, match=r"authors\.csv:1: column 'full_name' .* not in header"):
        load_raw(base, read_csv_spec(spec))
    spec.write_text("dataset: x\nevents: [unclosed\n")
    with pytest.raises(InputError, match=r"mapping\.yaml:\d+: invalid YAML"):
        load_raw(base, read_csv_spec(spec))
    assert fingerprint(base) == before


def test_lastfm_checksum_mismatch_and_bad_weight(base, tmp_path):
    directory = tmp_path / "lastfm"
    shutil.copytree(LASTFM_TINY, directory)
    before = fingerprint(base)
    with (directory / "kg.txt").open("a") as fh:
        fh.write("0\tmusic.artist.label\t7\r\n")
    with pytest.raises(InputError, match=r"kg\.txt: sha256 mismatch"):
        load_raw(base, read_lastfm(directory))
    (directory / "user_artists.dat").write_text("userID\tartistID\tweight\n2\t1\tlots\n")
    with pytest.raises(InputError, match=r"user_artists\.dat:2 \(column weight\): 'lots' is not a number"):
        load_raw(base, read_lastfm(directory, check_sums=False))
    assert fingerprint(base) == before


def test_cli_prints_one_line_error_and_exits_1(base, tmp_path):
    directory = copy_tiny(tmp_path)
    _append("tiny.inter", "1\t999\t4\t880000900")(directory)
    before = fingerprint(base)
    proc = run_cli("load", "recbole", str(directory), "--dataset", "bad", env=suite_env())
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == (f"error: {directory}/tiny.inter:8 (column item): "
                                           "event references unknown item '999'")
    assert fingerprint(base) == before


def test_bad_dataset_name_is_rejected(base):
    with pytest.raises(KgrecError, match="dataset name"):
        load_raw(base, read_dataset(TINY, dataset="bad name; DROP"))


def test_cli_refuses_batch_size_zero_and_unknown_dataset_stats(base):
    proc = run_cli("load", "synthetic", "--users", "2", "--items", "2", "--events", "2", "--batch-size", "0",
                   env=suite_env())
    assert proc.returncode == 2 and "--batch-size" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert base.run("graph/label_counts", dataset="synthetic") == []
    proc = run_cli("graph", "stats", "--dataset", "unknown", env=suite_env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[0] == "error: dataset 'unknown' is not loaded", proc.stderr
    assert "(no rows)" not in proc.stdout
    proc = run_cli("graph", "stats", "--dataset", "base", env=suite_env())
    assert proc.returncode == 0 and "INTERACTED" in proc.stdout, proc.stderr
