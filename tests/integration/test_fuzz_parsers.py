"""Property-based fuzzing of the number parser and the CSV / RecBole parsers (hypothesis).

Exactly two outcomes are allowed for any input: a valid result (numbers finite and inside the
documented bounds), or an :class:`InputError` naming a file of the input and a line. Parse-only runs
use many examples; the part that writes to the real Neo4j uses few, and checks the graph is unchanged
(counts + content checksum) after an error and holds exactly the validated rows after a load.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kgrec.db import Graph
from kgrec.errors import InputError
from kgrec.ingest.csvspec import read_csv_spec
from kgrec.ingest.loader import delete_dataset
from kgrec.ingest.recbole import read_dataset
from kgrec.ingest.validate import LoadPlan, validate
from kgrec.maintenance import wipe_data
from kgrec.numbers import (
    EPOCH_MAX,
    EPOCH_MIN,
    FLOAT_LIMIT,
    INT64_MAX,
    INT64_MIN,
    YEAR_MAX,
    YEAR_MIN,
    parse_epoch,
    parse_float,
    parse_int,
    parse_property,
    parse_year,
)
from kgrec.settings import Settings
from tests.ingest_fixtures import TINY, load_raw, snapshot

PARSE_ONLY = settings(max_examples=300, deadline=None)
WITH_DB = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HOSTILE_TOKENS = ["nan", "NaN", "-inf", "Infinity", "1e308", "-1e308", "1e400", "1e30", "9223372036854775808",
                  "99999999999999999999", "-0", "0x10", "1_000", "５", "١٢", "", " ", "\u200b", "4\u00a0", "1e-400",
                  "880000000", "880000000.5", "253402300799", "253402300800", "-1", "1.5e9", "4", "3.5", "\t4"]
number_text = st.one_of(
    st.sampled_from(HOSTILE_TOKENS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=12),
)
ids = st.one_of(st.sampled_from(["u1", "u2", "i1", "i2", " u1 ", "", "с1", "u1\u200b"]), st.text(max_size=6))
valid_rows = st.tuples(st.sampled_from(["u1", "u2", "u3"]), st.sampled_from(["i1", "i2"]),
                       st.integers(1, 5).map(str), st.integers(EPOCH_MIN, EPOCH_MAX).map(str)).map(list)

CSV_SPEC = "dataset: fuzz\nevents:\n  file: events.csv\n  user: uid\n  item: iid\n  rating: stars\n  timestamp: ts\n"
INTER_HEAD = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"


def _where_ok(exc: InputError, folder: Path) -> None:
    """The error names a file of the input and (unless the whole file is empty) a line, on one line."""
    assert Path(exc.path).resolve().parent == folder.resolve() or Path(exc.path).resolve() == folder.resolve(), exc
    assert exc.line is not None or "empty file" in str(exc), exc
    assert exc.line is None or exc.line >= 1, exc
    assert "\n" not in str(exc) and "\r" not in str(exc), exc


def _plan_ok(plan: LoadPlan) -> None:
    """Every number that reaches the writer is finite and inside the documented bounds."""
    for ev in plan.events:
        assert ev["user"] and ev["item"]
        assert math.isfinite(ev["weight"]) and 0 <= ev["weight"] <= FLOAT_LIMIT
        if ev["rating"] is not None:
            assert math.isfinite(ev["rating"]) and abs(ev["rating"]) <= FLOAT_LIMIT
        if ev["ts"] is not None:
            assert isinstance(ev["ts"], int) and EPOCH_MIN <= ev["ts"] <= EPOCH_MAX


def _csv_text(rows: list[list[str]], raw_tail: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["uid", "iid", "stars", "ts"])
    writer.writerows(rows)
    return out.getvalue() + raw_tail


@st.composite
def csv_inputs(draw: st.DrawFn) -> str:
    rows = draw(st.lists(valid_rows | st.lists(st.one_of(ids, number_text), min_size=3, max_size=5)
                         | st.tuples(ids, ids, number_text, number_text).map(list), max_size=6))
    tail = draw(st.one_of(st.just(""), st.just(""), st.text(max_size=20),
                          st.sampled_from(['"unterminated\n', "\x00\n", ",,,\n"])))
    return _csv_text(rows, tail)


@st.composite
def inter_inputs(draw: st.DrawFn) -> str:
    rows = draw(st.lists(valid_rows | st.tuples(ids, ids, number_text, number_text).map(list), max_size=6))
    lines = ["\t".join(r) for r in rows]
    tail = draw(st.one_of(st.just(""), st.just(""), st.text(max_size=20),
                          st.sampled_from(["1\t2\n", "\x00", "a\tb\tc\td\te\n"])))
    return INTER_HEAD + "\n".join(lines) + "\n" + tail


def _parse_csv(text: str, folder: Path) -> LoadPlan | InputError:
    (folder / "mapping.yaml").write_text(CSV_SPEC)
    (folder / "events.csv").write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        return validate(read_csv_spec(folder / "mapping.yaml"))
    except InputError as exc:
        return exc


def _parse_inter(text: str, folder: Path) -> LoadPlan | InputError:
    (folder / "x.inter").write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        return validate(read_dataset(folder, "x", "fuzz"))
    except InputError as exc:
        return exc


def _check(outcome: LoadPlan | InputError, folder: Path) -> None:
    if isinstance(outcome, InputError):
        event("input error")
        _where_ok(outcome, folder)
    else:
        event("valid")
        _plan_ok(outcome)


@PARSE_ONLY
@given(number_text)
def test_parse_float_is_finite_and_bounded_or_an_input_error(text):
    try:
        value = parse_float(text, path="f.csv", line=7, column="c")
    except InputError as exc:
        assert str(exc).startswith("f.csv:7 (column c): ") and exc.line == 7
        return
    assert math.isfinite(value) and abs(value) <= FLOAT_LIMIT
    assert value == float(text.strip())


@PARSE_ONLY
@given(st.floats(min_value=-FLOAT_LIMIT, max_value=FLOAT_LIMIT))
def test_parse_float_round_trips_every_float_in_range(value):
    assert parse_float(repr(value), path="f.csv", line=1) == value


@PARSE_ONLY
@given(st.one_of(number_text, st.integers(min_value=-(2**80), max_value=2**80)))
def test_integer_parsers_are_exact_and_bounded_or_an_input_error(text):
    for parse, low, high in ((parse_int, INT64_MIN, INT64_MAX), (parse_epoch, EPOCH_MIN, EPOCH_MAX),
                             (parse_year, YEAR_MIN, YEAR_MAX)):
        try:
            value = parse(text, path="f.csv", line=3)
        except InputError as exc:
            assert exc.line == 3 and "\n" not in str(exc)
            continue
        assert isinstance(value, int) and low <= value <= high
        if isinstance(text, int) or text.strip().lstrip("+-").isdigit():
            assert value == int(text)


@PARSE_ONLY
@given(st.text(max_size=30))
def test_parse_property_keeps_text_or_gives_a_checked_number(text):
    try:
        value = parse_property(text, path="f.csv", line=2)
    except InputError as exc:
        assert exc.line == 2
        return
    if isinstance(value, str):
        assert value == text
    elif isinstance(value, int):
        assert INT64_MIN <= value <= INT64_MAX
    else:
        assert math.isfinite(value) and abs(value) <= FLOAT_LIMIT


@PARSE_ONLY
@given(csv_inputs())
def test_csv_parser_gives_a_valid_plan_or_an_input_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        _check(_parse_csv(text, Path(tmp)), Path(tmp))


@PARSE_ONLY
@given(inter_inputs())
def test_recbole_parser_gives_a_valid_plan_or_an_input_error(text):
    with tempfile.TemporaryDirectory() as tmp:
        _check(_parse_inter(text, Path(tmp)), Path(tmp))


@pytest.fixture(scope="module")
def fuzz_graph(settings: Settings) -> Iterator[Graph]:
    with Graph(settings) as graph:
        wipe_data(graph)
        load_raw(graph, read_dataset(TINY, dataset="base"))
        yield graph


@WITH_DB
@given(st.one_of(csv_inputs().map(lambda t: ("csv", t)), inter_inputs().map(lambda t: ("recbole", t))))
def test_load_is_complete_or_an_input_error_with_the_graph_unchanged(fuzz_graph, case):
    kind, text = case
    before = snapshot(fuzz_graph)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "mapping.yaml").write_text(CSV_SPEC)
        raw_path = folder / ("events.csv" if kind == "csv" else "x.inter")
        raw_path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            raw = read_csv_spec(folder / "mapping.yaml") if kind == "csv" else read_dataset(folder, "x", "fuzz")
            plan = validate(raw)
            load_raw(fuzz_graph, raw)
        except InputError as exc:
            event("input error")
            _where_ok(exc, folder)
            assert snapshot(fuzz_graph) == before
            return
    event("loaded")
    _plan_ok(plan)
    written = fuzz_graph.query("MATCH (:User {dataset: 'fuzz'})-[r:INTERACTED]->(:Item {dataset: 'fuzz'}) "
                               "RETURN count(r) AS n, collect(r.rating) AS ratings")[0]
    assert written["n"] == len(plan.events)
    assert all(math.isfinite(r) for r in written["ratings"] if r is not None)
    delete_dataset(fuzz_graph, "fuzz")
    assert snapshot(fuzz_graph) == before
