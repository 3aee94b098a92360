"""The real MovieLens-100K + KG from RecBole 1.2.1's wheel: exact counts, and a second load changes nothing."""

from __future__ import annotations

import pytest

from kgrec.ingest.loader import delete_dataset
from kgrec.ingest.recbole import read_dataset
from kgrec.ingest.sources import ML100K_SHA256, ml100k_dir, sha256_of
from tests.ingest_fixtures import fingerprint, load_raw

# All 91,631 .kg triples have a head or tail among the 1,598 linked entities (see GRAPH_MODEL.md),
# so "reachable through .link" = the whole file; 34,628 distinct KG ids minus 1,598 linked ones.
KG_TRIPLES, UNLINKED_ENTITIES = 91_631, 33_030


@pytest.mark.slow
def test_ml100k_exact_counts_and_idempotent(graph, settings):
    directory = ml100k_dir(settings)
    assert {f: sha256_of(directory / f) for f in ML100K_SHA256} == ML100K_SHA256
    try:
        first = load_raw(graph, read_dataset(directory, "ml-100k", "ml100k"), batch_size=10000)
        counts = {r["label"]: r["count"] for r in graph.run("graph/label_counts", dataset="ml100k")}
        assert counts == {"User": 943, "Item": 1682, "Entity": UNLINKED_ENTITIES, "KgrecDataset": 1}
        rels = {r["type"]: r["count"] for r in graph.run("graph/rel_counts", dataset="ml100k")}
        assert rels.pop("INTERACTED") == 100_000
        assert sum(rels.values()) == KG_TRIPLES and len(rels) == 24
        assert first.created == 943 + 1682 + UNLINKED_ENTITIES + 100_000 + KG_TRIPLES
        linked = graph.query("MATCH (i:Item) WHERE i.dataset = 'ml100k' AND i.entity IS NOT NULL "
                             "RETURN count(i) AS n")[0]["n"]
        assert linked == 1598
        before = fingerprint(graph)
        second = load_raw(graph, read_dataset(directory, "ml-100k", "ml100k"), batch_size=10000)
        assert second.created == 0
        assert fingerprint(graph) == before
    finally:
        delete_dataset(graph, "ml100k")  # small batches: dense items overflow a plain wipe's tx memory
