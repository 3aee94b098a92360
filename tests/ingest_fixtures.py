"""Shared helpers for the ingest/export/metapath tests (real Neo4j via conftest fixtures)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from kgrec.db import Graph
from kgrec.ingest.loader import LoadReport, load_plan
from kgrec.ingest.validate import RawDataset, validate
from kgrec.metapaths import graph_stats

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
LASTFM_TINY = DATA / "lastfm_tiny"


def load_raw(graph: Graph, raw: RawDataset, batch_size: int = 5000, **kwargs) -> LoadReport:
    """What every `kgrec load` command does: validate the whole input, then write it."""
    return load_plan(graph, validate(raw), batch_size=batch_size, show_progress=False, **kwargs)


def fingerprint(graph: Graph) -> tuple:
    """Counts per (dataset, label) and (dataset, relationship type): changes if anything is written."""
    labels, rels = graph_stats(graph)
    return (tuple(tuple(r.values()) for r in labels), tuple(tuple(r.values()) for r in rels))


def copy_tiny(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    return target


def checksum(graph: Graph) -> str:
    """sha256 over every node (labels + properties) and relationship (ends, type, properties)."""
    nodes = graph.query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.query("MATCH (a)-[r]->(b) RETURN coalesce(a.key, a.name, '') AS a, type(r) AS type, "
                       "properties(r) AS props, coalesce(b.key, b.name, '') AS b")
    rows = sorted(json.dumps(row, sort_keys=True, default=str) for row in nodes + rels)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest() + f":{len(nodes)}:{len(rels)}"


def snapshot(graph: Graph) -> tuple[Any, str]:
    return fingerprint(graph), checksum(graph)
