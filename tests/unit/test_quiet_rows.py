"""Large batches reach the driver as QuietRows: the same Bolt list, without the driver's eager debug repr."""

from __future__ import annotations

from neo4j._codec.packstream.v1 import PackableBuffer, Packer

from kgrec.db import QuietRows, quiet


def packed(value) -> bytes:
    buffer = PackableBuffer()
    Packer(buffer).pack(value)
    return bytes(buffer.data)


def test_quiet_rows_pack_exactly_like_a_list_and_print_as_one_line() -> None:
    rows = [{"key": f"k{n}", "vec": [0.5 * n] * 65} for n in range(2000)]
    assert packed(QuietRows(rows)) == packed(rows)
    assert repr(QuietRows(rows)) == "<2000 rows>"
    assert QuietRows(rows) == rows


def test_only_long_list_parameters_are_wrapped() -> None:
    params = quiet({"rows": list(range(500)), "keys": ["a", "b"], "k": 10})
    assert type(params["rows"]) is QuietRows and params["rows"] == list(range(500))
    assert type(params["keys"]) is list and params["k"] == 10

