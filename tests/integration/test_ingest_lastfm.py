"""Last.fm: listens with weights, artist names as item text, friendships, the Freebase-linked KG."""

from __future__ import annotations

import pytest

from kgrec import datasets
from kgrec.errors import InputError
from kgrec.ingest.lastfm import read_lastfm
from kgrec.ingest.sources import verify_sha256sums
from kgrec.ingest.validate import validate
from kgrec.settings import load_settings
from tests.conftest import suite_env
from tests.ingest_fixtures import LASTFM_TINY, fingerprint, load_raw


def test_tiny_lastfm_loads_listens_friends_and_kg(graph):
    report = load_raw(graph, read_lastfm(LASTFM_TINY))
    steps = {s.step: s.created for s in report.steps}
    assert steps["User nodes"] == 3 and steps["Item nodes"] == 3 and steps["Entity nodes"] == 2
    assert steps["INTERACTED (first load)"] == 4 and steps["FRIEND"] == 4
    row = graph.query("MATCH (u:User {key: 'lastfm:2'})-[r:INTERACTED]->(i:Item {key: 'lastfm:1'}) "
                      "RETURN r.weight AS weight, r.kind AS kind, r.ts AS ts, i.text AS text, i.entity AS entity")
    assert row == [{"weight": 13883.0, "kind": "listen", "ts": None, "text": "MALICE MIZER", "entity": "0"}]
    kg = graph.query("MATCH (i:Item)-[r]->(e:Entity) WHERE r.dataset = 'lastfm' "
                     "RETURN i.key AS item, type(r) AS type, r.relation AS relation, e.key AS entity "
                     "ORDER BY item, type")
    assert kg == [{"item": "lastfm:1", "type": "MUSIC_ARTIST_ORIGIN", "relation": "music.artist.origin",
                   "entity": "lastfm:5"},
                  {"item": "lastfm:2", "type": "MUSIC_ARTIST_GENRE", "relation": "music.artist.genre",
                   "entity": "lastfm:6"},
                  {"item": "lastfm:2", "type": "MUSIC_ARTIST_ORIGIN", "relation": "music.artist.origin",
                   "entity": "lastfm:5"}]
    before = fingerprint(graph)
    assert load_raw(graph, read_lastfm(LASTFM_TINY)).created == 0  # untimed events are idempotent too
    assert fingerprint(graph) == before


def test_real_lastfm_parses_and_validates_with_documented_counts():
    lastfm = datasets.resolve("lastfm", load_settings(env=suite_env()), env=suite_env())  # KGREC_DATA_DIR
    plan = validate(read_lastfm(lastfm, check_sums=False))
    counts = plan.counts()
    assert counts["users"] == 1892 and counts["items"] == 17_632 and counts["events"] == 92_834
    assert counts["friends"] == 25_434 and counts["triples"] == 15_518
    texts = {n["key"]: n["props"]["text"] for n in plan.nodes["Item"][:2]}
    assert texts == {"lastfm:1": "MALICE MIZER", "lastfm:2": "Diary of Dreams"}
    assert sum(1 for n in plan.nodes["Item"] if "entity" in n["props"]) == 3846


def test_sha256sums_names_outside_the_folder_are_refused(tmp_path):
    (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  ../../etc/shadow\n")
    with pytest.raises(InputError, match=r"SHA256SUMS:1: file names must be plain names"):
        verify_sha256sums(tmp_path)
