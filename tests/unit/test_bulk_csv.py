"""The importer CSV writer of `kgrec load --bulk` (no Neo4j): headers and types, quoting, arrays, files per
header, what is left to the MERGE statement, the refusal of a non-managed server, the importer's error line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kgrec.api import Kgrec
from kgrec.errors import KgrecError
from kgrec.ingest.bulk import REMOTE, ImportFiles, importer_error, value_type, write_import_files
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where, validate
from kgrec.settings import Settings

W = Where("unit", 1)


def plan_of(**extra):
    raw = RawDataset("d", "unit", users_declared=True, items_declared=True)
    raw.users += [NodeRow("u1", {"age": 30, "score": 0.25, "vip": False}, W), NodeRow("u2", {}, W)]
    raw.items += [NodeRow('i,"1"', {"title": 'Say "hi",\nagain', "year": 2001, "genres": ["Drama", "War"],
                                   "description": ""}, W),
                  NodeRow("i2", {"title": "Plain", "genres": [], "weights": [0.5, 2.0], "codes": [3, 4]}, W)]
    raw.entities += [NodeRow("e1", {"name": "E1", "type": "genre"}, W)]
    raw.links.append(PairRow("i2", "film2", W))
    raw.triples += [PairRow("film2", "e1", W, "film.genre"), PairRow("e1", "e2", W, "genre.parent")]
    raw.events += [EventRow("u1", 'i,"1"', "rating", 4.0, 1.0, 100, "train", W),
                   EventRow("u2", "i2", "click", None, 2.5, None, None, W)]
    raw.friends.append(PairRow("u1", "u2", W))
    for name, rows in extra.items():
        getattr(raw, name).extend(rows)
    return validate(raw)


def read(directory: Path, name: str) -> list[list[str]]:
    with open(directory / name, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def raw_text(directory: Path, name: str) -> str:
    return (directory / name).read_text(encoding="utf-8")


def test_node_files_carry_typed_headers_and_quote_every_string(tmp_path: Path) -> None:
    files = write_import_files(plan_of(), tmp_path / "csv")
    assert files.nodes == [("User", "nodes_User_0.csv"), ("User", "nodes_User_1.csv"), ("Item", "nodes_Item_0.csv"),
                           ("Item", "nodes_Item_1.csv"), ("Entity", "nodes_Entity_0.csv"),
                           ("Entity", "nodes_Entity_1.csv")]      # one file per header: e2 has no name
    users = raw_text(files.directory, "nodes_User_0.csv").splitlines()
    assert users == ['"key:ID(User)","age:long","dataset:string","id:string","score:double","vip:boolean"',
                     '"d:u1",30,"d","u1",0.25,"false"']
    assert read(files.directory, "nodes_User_1.csv") == [["key:ID(User)", "dataset:string", "id:string"],
                                                          ["d:u2", "d", "u2"]]
    item = read(files.directory, "nodes_Item_0.csv")
    assert item[0] == ["key:ID(Item)", "dataset:string", "description:string", "genres:string[]", "id:string",
                       "title:string", "year:long"]
    assert item[1] == ['d:i,"1"', "d", "", "Drama;War", 'i,"1"', 'Say "hi",\nagain', "2001"]
    text = raw_text(files.directory, "nodes_Item_0.csv")
    assert '"Say ""hi"",\nagain"' in text and ',"",' in text     # doubled quotes; an empty string stays ""
    assert files.multiline                                     # a title breaks a line: the importer is told
    linked = read(files.directory, "nodes_Item_1.csv")
    assert linked[0] == ["key:ID(Item)", "codes:long[]", "dataset:string", "entity:string", "id:string",
                         "title:string", "weights:double[]"]
    assert linked[1] == ["d:i2", "3;4", "d", "film2", "i2", "Plain", "0.5;2.0"]
    assert files.node_count == 2 + 2 + 2         # e2 is an entity only a triple names


def test_values_the_csv_cannot_express_are_left_to_the_merge_statement(tmp_path: Path) -> None:
    files = write_import_files(plan_of(), tmp_path / "csv")
    assert [row["key"] for row in files.fixups["Item"]] == ["d:i2"]      # genres: [] has no CSV form
    assert files.fixups["Item"][0]["props"]["genres"] == []
    assert "User" not in files.fixups and "Entity" not in files.fixups
    assert value_type([], ";") is None and value_type([""], ";") is None and value_type(["a;b"], ";") is None
    assert value_type([1, 2.0], ";") is None and value_type(2**63, ";") is None and value_type({}, ";") is None
    assert value_type(["a;b"], "|") == "string[]" and value_type([True], ";") == "boolean[]"
    assert value_type(1, ";") == "long" and value_type(1.0, ";") == "double" and value_type(True, ";") == "boolean"


def test_the_array_delimiter_avoids_characters_inside_list_values(tmp_path: Path) -> None:
    odd = NodeRow("i3", {"title": "x", "genres": ["Sci;Fi", "Drama"]}, W)
    files = write_import_files(plan_of(items=[odd]), tmp_path / "csv")
    assert files.array_delimiter == "|"
    assert "--array-delimiter=|" in files.arguments()
    rows = [row for name in ("nodes_Item_0.csv", "nodes_Item_2.csv") for row in read(files.directory, name)]
    assert "Sci;Fi|Drama" in [cell for row in rows for cell in row]


def test_relationship_files_follow_the_merge_statements(tmp_path: Path) -> None:
    files = write_import_files(plan_of(), tmp_path / "csv")
    assert [t for t, _ in files.relationships] == ["INTERACTED", "INTERACTED", "FRIEND", "GENRE_PARENT",
                                                   "FILM_GENRE"]
    timed, untimed = (read(files.directory, n) for _, n in files.relationships[:2])
    assert timed == [[":START_ID(User)", ":END_ID(Item)", "kind:string", "ts:long", "rating:double",
                      "weight:double", "split:string"], ["d:u1", 'd:i,"1"', "rating", "100", "4.0", "1.0", "train"]]
    assert untimed == [[":START_ID(User)", ":END_ID(Item)", "kind:string", "weight:double"],
                       ["d:u2", "d:i2", "click", "2.5"]]                 # None: the property stays unset
    assert read(files.directory, files.relationships[2][1]) == [
        [":START_ID(User)", ":END_ID(User)", "dataset:string"], ["d:u1", "d:u2", "d"]]
    assert read(files.directory, files.relationships[3][1]) == [
        [":START_ID(Entity)", ":END_ID(Entity)", "relation:string", "dataset:string"],
        ["d:e1", "d:e2", "genre.parent", "d"]]
    assert read(files.directory, files.relationships[4][1])[1] == ["d:i2", "d:e1", "film.genre", "d"]
    assert files.relationship_count == 2 + 1 + 2
    assert "--relationships=FILM_GENRE=rels_kg1_FILM_GENRE_0.csv" in files.arguments()


def test_plain_values_need_no_multiline_parsing(tmp_path: Path) -> None:
    raw = RawDataset("d", "unit")
    raw.events.append(EventRow("u1", "i1", "rating", 1.0, 1.0, 5, None, W))
    files = write_import_files(validate(raw), tmp_path / "csv")
    assert isinstance(files, ImportFiles) and not files.multiline
    assert "--multiline-fields=false" in files.arguments()


def test_bulk_refuses_a_server_kgrec_does_not_manage_before_reading_anything(tmp_path: Path) -> None:
    settings = Settings(uri="bolt://127.0.0.1:1", password="x", home=tmp_path)
    with Kgrec(settings) as kg, pytest.raises(KgrecError) as caught:
        kg.load("recbole", directory=tmp_path / "missing", bulk=True)
    assert str(caught.value) == REMOTE
    assert str(caught.value) == ("bulk import needs the managed local server's files; "
                                 "use `kgrec load` without --bulk")
    assert caught.value.hint


def test_the_importer_error_is_its_cause_in_one_line() -> None:
    output = "\n".join([
        "Critical error occurred! Shutting down the import...", "IMPORT FAILED in 865ms.", "Error in input data",
        "org.neo4j.cli.CommandFailedException: Error importing csv file.",
        "Caused by: org.neo4j.internal.batchimport.input.InputException: ERROR in input",
        "  original error: d:u0 (User)-[INTERACTED]->d:x (Item) referring to missing node d:x",
        "\tat org.neo4j.importer.FileImporter.andPrintError(FileImporter.java:306)"])
    assert importer_error(output) == "d:u0 (User)-[INTERACTED]->d:x (Item) referring to missing node d:x"
    assert importer_error("Caused by: a.B: bad header\n\tat x") == "bad header"
    assert importer_error("starting\nsomething is invalid here\nbye") == "something is invalid here"
    assert importer_error("") == "(no output)"
