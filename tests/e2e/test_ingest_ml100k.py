"""The real MovieLens-100K + KG from RecBole 1.2.1's wheel: RecBole's wrong links are repaired by a re-load
through the id bridge, the counts are exact, and a further load changes nothing."""

from __future__ import annotations

import pytest

from kgrec.ingest.loader import delete_dataset
from kgrec.ingest.ml100k_bridge import rekey_links
from kgrec.ingest.recbole import read_dataset
from kgrec.ingest.sources import ML100K_SHA256, ml100k_dir, sha256_of
from tests.ingest_fixtures import fingerprint, load_raw

# All 91,631 .kg triples touch one of the 1,598 entities RecBole links; re-keyed through the bridge,
# 1,519 of those entities belong to an ml-100k item and the other 79 stay Entity nodes:
# 34,628 distinct KG ids - 1,519 item entities = 33,109 Entity nodes.
KG_TRIPLES, LINKED, ENTITIES = 91_631, 1_519, 33_109
SEQUEL = ("MATCH (a:Item {key: $a})-[r:FILM_FILM_SEQUEL|FILM_FILM_PREQUEL]-(b:Item {key: $b}) "
          "RETURN count(r) AS n")


def ml100k(settings, corrected: bool = True):
    raw = read_dataset(ml100k_dir(settings), "ml-100k", "ml100k")
    if corrected:
        rekey_links(raw)
    return raw


@pytest.mark.slow
def test_ml100k_wrong_links_repaired_exact_counts_and_idempotent(graph, settings):
    directory = ml100k_dir(settings)
    assert {f: sha256_of(directory / f) for f in ML100K_SHA256} == ML100K_SHA256
    try:
        load_raw(graph, ml100k(settings, corrected=False), batch_size=10000)   # RecBole's link as-is
        # read as-is, the link makes North by Northwest (480) a sequel of It Takes Two (1544)
        assert graph.query(SEQUEL, a="ml100k:480", b="ml100k:1544")[0]["n"] >= 1
        wrong = graph.query(SEQUEL, a="ml100k:50", b="ml100k:172")[0]["n"]
        repaired = load_raw(graph, ml100k(settings), batch_size=10000)
        assert repaired.pruned.triples > 0 and repaired.pruned.unlinked > 0
        assert (repaired.linked, repaired.unlinked) == (LINKED, 1682 - LINKED)
        counts = {r["label"]: r["count"] for r in graph.run("graph/label_counts", dataset="ml100k")}
        assert counts == {"User": 943, "Item": 1682, "Entity": ENTITIES, "KgrecDataset": 1}
        rels = {r["type"]: r["count"] for r in graph.run("graph/rel_counts", dataset="ml100k")}
        assert rels.pop("INTERACTED") == 100_000
        assert sum(rels.values()) == KG_TRIPLES and len(rels) == 24
        linked = graph.query("MATCH (i:Item) WHERE i.dataset = 'ml100k' AND i.entity IS NOT NULL "
                             "RETURN count(i) AS n")[0]["n"]
        assert linked == LINKED
        # Star Wars (50) -> The Empire Strikes Back (172) is a sequel once the links are right, not before
        assert wrong == 0 and graph.query(SEQUEL, a="ml100k:50", b="ml100k:172")[0]["n"] >= 1
        assert graph.query(SEQUEL, a="ml100k:480", b="ml100k:1544")[0]["n"] == 0
        before = fingerprint(graph)
        again = load_raw(graph, ml100k(settings), batch_size=10000)
        assert again.created == 0 and again.pruned.total == 0
        assert fingerprint(graph) == before
    finally:
        delete_dataset(graph, "ml100k")  # small batches: dense items overflow a plain wipe's tx memory
