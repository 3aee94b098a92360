"""Load rows: ``kgrec load`` (online, validated, idempotent MERGE) vs ``neo4j-admin database import full``
(offline bulk import into an empty store, Neo4j's ingest limit) of the same rows; with ``bulk=True`` also
``kgrec load … --bulk`` (kgrec's own first load through that importer: the whole command, generation and
validation, CSV files, server stop/start and migrations included) against the importer alone.

The admin side imports exactly what kgrec loaded: the graph is exported back from Neo4j with
``kgrec.export`` when the build has it; for ml-100k the RecBole atomic files are the fallback source.
Figures are relationships per second (higher is better) and wall seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from harness import env
from harness.admin_import import expected_counts, import_graph
from harness.report import Row, missing
from kgrec.data import GraphData

SECTION = "Load — kgrec load vs neo4j-admin database import full (same rows)"


def kgrec_has(*command: str) -> bool:
    done = subprocess.run([env.KGREC, *command, "--help"], capture_output=True, text=True)
    return done.returncode == 0


def export_graph(settings, dataset: str) -> GraphData | None:
    """The graph as loaded, through kgrec's streaming export (None when the build has no export)."""
    try:
        from kgrec import export
    except ImportError:
        return None
    from kgrec.db import Graph

    for name in ("export_graph", "export_dataset", "export"):
        function = getattr(export, name, None)
        if callable(function):
            with Graph(settings) as graph:
                return function(graph, dataset)
    return None


def timed_kgrec_load(settings, command: list[str]) -> tuple[float, str]:
    env.fresh_database(settings)
    started = time.perf_counter()
    done = subprocess.run(["nice", "-n", "10", env.KGREC, *command], env=env.cli_env(settings),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"kgrec {' '.join(command)} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    return seconds, done.stdout


def bulk_phases(stdout: str) -> str:
    """The ``bulk phases: …`` line `kgrec load --bulk` prints (empty when absent)."""
    match = re.search(r"^bulk phases: (.*)$", stdout, re.M)
    return match.group(1).strip() if match else ""


def measure(settings, label: str, command: list[str], dataset: str, work: Path,
            fallback: GraphData | None = None, section: str = SECTION, bulk: bool = False) -> tuple[list[Row], dict]:
    """One kgrec load + one admin import of the same rows (+ one ``kgrec load --bulk`` when ``bulk``) -> rows
    and a point for the growth plot."""
    kgrec_s = None
    graph = None
    if kgrec_has(*command[:2]):
        kgrec_s, _ = timed_kgrec_load(settings, command)
        graph = export_graph(settings, dataset)
    graph = graph or fallback
    if graph is None:
        return [missing(section, f"{label}: relationships/s", "neo4j-admin import",
                        "no way to obtain the loaded rows in this build (kgrec load / kgrec.export missing)")], {}
    nodes, rels = expected_counts(graph)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")   # the importer reads paths as regexes
    result = import_graph(graph, work / f"import-{slug}")
    admin_rate = result.relationships / result.seconds if result.seconds else None
    kgrec_rate = rels / kgrec_s if kgrec_s else None
    note = f"{nodes:,} nodes, {rels:,} relationships; admin imported {result.relationships:,}"
    if kgrec_s is None:
        note = f"`kgrec {' '.join(command)}` not available in this build; " + note
    rows = [Row(section, f"{label}: relationships/s", kgrec_rate, admin_rate, "neo4j-admin import", "rel/s",
                note=note),
            Row(section, f"{label}: wall time", kgrec_s, result.seconds, "neo4j-admin import", "s",
                higher_is_better=False, note="both include process start-up (JVM for the importer)")]
    bulk_s = None
    if bulk and kgrec_s is not None and "--bulk" in _help(*command[:2]):
        bulk_s, stdout = timed_kgrec_load(settings, [*command, "--bulk"])
        rows.append(Row(section, f"{label}: kgrec load --bulk wall time", bulk_s, result.seconds,
                        "neo4j-admin import", "s", higher_is_better=False,
                        note="the whole command (generate + validate, CSV, server stop/start, import, migrate, "
                             f"record) vs the importer alone on CSV written beforehand; phases: "
                             f"{bulk_phases(stdout) or 'not printed'}"))
    return rows, {"relationships": rels, "kgrec_s": kgrec_s, "admin_s": result.seconds, "bulk_s": bulk_s}


def _help(*command: str) -> str:
    done = subprocess.run([env.KGREC, *command, "--help"], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"})
    return done.stdout
