"""benchmarks/harness/report: timing sections measured under load are marked in RESULTS.md."""

from __future__ import annotations

from benchmarks.harness.report import Row, SectionResult, render, under_load

TIMING = ("writeback", "latency")


def _section(name: str, before: float | None, after: float | None) -> SectionResult:
    meta = {"date": "2026-12-03", "command": f"benchmarks/run --only {name}", "commit": "abc", "wall_s": 12.0}
    if before is not None:
        meta |= {"load_before": before, "load_after": after}
    return SectionResult(name, [Row(f"{name} table", "p50", 2.0, 1.0, "numpy", unit="ms")], [], [], meta)


def test_a_timing_section_above_the_limit_is_marked_in_runs_and_heading() -> None:
    quiet, loaded = _section("writeback", 0.2, 0.4), _section("writeback", 0.3, 1.7)
    assert not under_load(quiet, TIMING) and under_load(loaded, TIMING)
    text = render("t", [loaded], timing=TIMING)
    assert "| 0.30 → 1.70 **measured under load** |" in text
    assert "## writeback table (measured under load)" in text


def test_the_latency_section_is_judged_by_the_load_it_started_on() -> None:
    """Its 16 and 50 client threads raise the average it ends on; only the load it started on is someone else's."""
    own_clients, started_busy = _section("latency", 0.4, 9.0), _section("latency", 1.6, 9.0)
    assert not under_load(own_clients, TIMING) and under_load(started_busy, TIMING)
    assert "| 0.40 → 9.00 (its own concurrent clients) |" in render("t", [own_clients], timing=TIMING)


def test_accuracy_sections_and_old_files_are_not_marked() -> None:
    busy_accuracy, old = _section("accuracy-ml100k", 3.0, 3.5), _section("export", None, None)
    text = render("t", [busy_accuracy, old], timing=TIMING + ("export",))
    assert "measured under load**" not in text and "| 3.00 → 3.50 |" in text
    assert "| not recorded |" in text and "## export table\n" in text
