"""Result rows, one JSON file per section, and the RESULTS markdown built from all of them.

Each section a run measures is saved as ``benchmarks/results/<mode>/<section>.json`` (mode ``full`` or
``quick``) with its own date, command, commit and wall time. The table (``RESULTS.md`` for the full run,
``RESULTS-quick.md`` for ``--quick``) is rendered from every section file of that mode, so a partial
re-run (``--only latency``) refreshes its sections and keeps the others.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

NOT_AVAILABLE = "not available in this build"
UNDER_LOAD = "measured under load"
LOAD_LIMIT = 1.0   # 1-minute load average on the 2-core benchmark machine above which timings are not trusted


@dataclass
class Row:
    section: str             # table heading, e.g. "Accuracy — ml-100k …", "Load — …"
    metric: str              # "NDCG@10 (test)", "rows/s", ...
    kgrec: float | None      # the kgrec figure
    baseline: float | None   # the baseline figure from the same run
    baseline_name: str       # what the baseline is
    unit: str = ""
    higher_is_better: bool = True
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.kgrec is None or self.baseline is None or self.baseline == 0:
            return None
        if any(math.isnan(x) for x in (self.kgrec, self.baseline)):
            return None
        return self.kgrec / self.baseline


@dataclass
class SectionResult:
    """What one section of one run produced, with when/how it was run."""

    name: str
    rows: list[Row]
    notes: list[str]
    plots: list[str]
    meta: dict            # date, command, commit, wall_s, machine, checksums


def missing(section: str, metric: str, baseline_name: str, reason: str = NOT_AVAILABLE) -> Row:
    return Row(section, metric, None, None, baseline_name, note=reason)


def save_section(directory: Path, result: SectionResult) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    raw = {"name": result.name, "meta": result.meta, "notes": result.notes, "plots": result.plots,
           "rows": [asdict(r) | {"ratio": r.ratio} for r in result.rows]}
    path = directory / f"{result.name}.json"
    path.write_text(json.dumps(raw, indent=2, default=str) + "\n")
    return path


def load_sections(directory: Path, order: tuple[str, ...]) -> list[SectionResult]:
    """Every saved section of one mode, in the canonical ``order`` (unknown names last)."""
    results = []
    for path in sorted(directory.glob("*.json")):
        raw = json.loads(path.read_text())
        rows = [Row(**{k: v for k, v in r.items() if k != "ratio"}) for r in raw["rows"]]
        results.append(SectionResult(raw["name"], rows, raw.get("notes", []), raw.get("plots", []), raw["meta"]))
    rank = {name: n for n, name in enumerate(order)}
    return sorted(results, key=lambda s: (rank.get(s.name, len(order)), s.name))


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit in ("s", "ms"):
        text = f"{value:,.1f}" if value >= 10 else f"{value:.3g}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:.4f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def _ratio_cell(row: Row) -> str:
    ratio = row.ratio
    if ratio is None:
        return "—"
    better = ratio >= 1 if row.higher_is_better else ratio <= 1
    digits = 3 if 0.9 <= ratio <= 1.1 else 2      # near parity (e.g. a 1.03× goal) a third digit matters
    return f"{ratio:.{digits}f}×" + ("" if better else " ▾")


SELF_LOADING = ("latency",)   # runs 16 and 50 client threads itself: its "after" average measures its own clients


def under_load(section: SectionResult, timing: tuple[str, ...]) -> bool:
    """A timing section whose 1-minute load average before (or, unless it loads the machine itself by design,
    after) exceeded :data:`LOAD_LIMIT`."""
    keys = ("load_before",) if section.name in SELF_LOADING else ("load_before", "load_after")
    loads = [section.meta.get(k) for k in keys]
    return section.name in timing and any(x is not None and x > LOAD_LIMIT for x in loads)


def _load_cell(section: SectionResult, timing: tuple[str, ...]) -> str:
    before, after = section.meta.get("load_before"), section.meta.get("load_after")
    if before is None or after is None:
        return "not recorded"
    own = " (its own concurrent clients)" if section.name in SELF_LOADING and after > LOAD_LIMIT else ""
    return f"{before:.2f} → {after:.2f}{own}" + (f" **{UNDER_LOAD}**" if under_load(section, timing) else "")


def render(title: str, sections: list[SectionResult], intro: str = "", timing: tuple[str, ...] = ()) -> str:
    """The markdown table: runs, machine, checksums, one table per row heading, plots, notes. Timing sections
    measured under load are marked in the runs table and in each of their tables' headings."""
    latest = max(sections, key=lambda s: s.meta.get("date", ""))
    lines = [f"# {title}", ""] + ([intro, ""] if intro else [])
    lines += ["Every ratio is kgrec ÷ baseline, both measured in the same run on the same machine "
              "(▾ marks a ratio on the worse side of 1 for that metric). Load is the 1-minute load average "
              f"before → after the section; a timing section above {LOAD_LIMIT} on 2 cores is marked "
              f"*{UNDER_LOAD}*: re-run it on a quiet machine.", "", "## Runs", "",
              "| section | command | date | commit | wall time | load |", "|---|---|---|---|---|---|"]
    for s in sections:
        m = s.meta
        lines.append(f"| {s.name} | `{m.get('command', '?')}` | {m.get('date', '?')} | {m.get('commit', '?')} | "
                     f"{_fmt(m.get('wall_s'), 's')} | {_load_cell(s, timing)} |")
    lines += ["", "## Machine and versions", ""]
    lines += [f"- **{k}**: {v}" for k, v in latest.meta.get("machine", {}).items()]
    lines += ["", "## Datasets (sha256)", ""]
    lines += [f"- `{k}`: `{v}`" for k, v in latest.meta.get("checksums", {}).items()]
    tables: dict[str, list[Row]] = {}
    loaded: set[str] = set()
    for s in sections:
        for row in s.rows:
            tables.setdefault(row.section, []).append(row)
            if under_load(s, timing):
                loaded.add(row.section)
    for heading, rows in tables.items():
        mark = f" ({UNDER_LOAD})" if heading in loaded else ""
        lines += ["", f"## {heading}{mark}", "", "| metric | kgrec | baseline | baseline figure | ratio | note |",
                  "|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r.metric} | {_fmt(r.kgrec, r.unit)} | {r.baseline_name} | "
                         f"{_fmt(r.baseline, r.unit)} | {_ratio_cell(r)} | {r.note} |")
    plots = [p for s in sections for p in s.plots]
    if plots:
        lines += ["", "## Plots", ""] + [f"![{Path(p).stem}]({p})" for p in plots]
    notes = [f"**{s.name}** — {n}" for s in sections for n in s.notes]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"
