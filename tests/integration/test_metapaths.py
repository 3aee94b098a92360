"""Metapaths: schema enumeration, exact walk counts (checked against numpy), samples, stats."""

from __future__ import annotations

import numpy as np
import pytest

from kgrec import metapaths
from kgrec.errors import KgrecError
from kgrec.export import export_graph
from kgrec.ingest.csvspec import read_csv_spec
from tests.cli_helpers import run_cli
from tests.conftest import suite_env
from tests.ingest_fixtures import load_raw
from tests.paths import REPO

SPEC = REPO / "examples" / "csv" / "mapping.yaml"


def test_counts_match_adjacency_products(graph):
    load_raw(graph, read_csv_spec(SPEC))
    rows = {r["metapath"]: r["instances"] for r in metapaths.metapath_counts(graph, "bookshop", 4)}
    assert {"U-I-U-I", "U-I-E-I", "U-U-I", "U-I-I", "U-I-E-I-I"} <= set(rows)
    data = export_graph(graph, "bookshop")
    ui = np.zeros((3, 4))
    ui[data.interactions[:, 0], data.interactions[:, 1]] = 1
    ie = np.zeros((4, 2))
    for (h, t) in data.kg[("Item", "WRITTEN_BY", "Entity")]:
        ie[h, t] += 1
    uu = np.zeros((3, 3))
    for a, b in data.social:
        uu[a, b] += 1
    uu_sym = uu + uu.T
    assert rows["U-I-U-I"] == (ui @ ui.T @ ui).sum() == 20
    assert rows["U-I-E-I"] == (ui @ ie @ ie.T).sum() == 12
    assert rows["U-U-I"] == (uu_sym @ ui).sum()


def test_sample_and_errors(graph):
    load_raw(graph, read_csv_spec(SPEC))
    rows = metapaths.sample(graph, "U-I-E-I", limit=2, dataset="bookshop")
    assert len(rows) == 2
    for row in rows:
        assert row["relationships"] == ["INTERACTED", "WRITTEN_BY", "WRITTEN_BY"]
        assert row["keys"][0].startswith("bookshop:c") and row["keys"][2].startswith("bookshop:a")
    with pytest.raises(KgrecError, match="no U-E relationships"):
        metapaths.sample(graph, "U-E-U-I", dataset="bookshop")
    with pytest.raises(KgrecError, match="use 3 to 5"):
        metapaths.sample(graph, "U-X", dataset="bookshop")


def test_cli_metapaths_and_stats(graph):
    load_raw(graph, read_csv_spec(SPEC))
    proc = run_cli("metapaths", "--max-length", "3", env=suite_env())
    assert proc.returncode == 0, proc.stderr
    assert "U-I-U-I" in proc.stdout and "U-I-E-I" in proc.stdout
    stats = run_cli("graph", "stats", env=suite_env())
    assert stats.returncode == 0 and "WRITTEN_BY" in stats.stdout and "INTERACTED" in stats.stdout
