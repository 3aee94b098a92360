"""PNG plots for RESULTS.md (matplotlib, Agg backend)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from harness.report import Row  # noqa: E402


def growth(points: list[dict], path: Path) -> str:
    """Load wall time vs relationships for kgrec load and neo4j-admin import (log-log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    rels = [p["relationships"] for p in points]
    for key, label in (("kgrec_s", "kgrec load"), ("admin_s", "neo4j-admin import full")):
        pairs = [(r, p[key]) for r, p in zip(rels, points, strict=True) if p.get(key)]
        if pairs:
            ax.plot(*zip(*pairs, strict=True), marker="o", label=label)
    ax.set(xscale="log", yscale="log", xlabel="relationships loaded", ylabel="wall seconds",
           title="Load cost at 0.1× / 1× / 10×")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"img/{path.name}"


def growth_from_rows(rows: list[Row], directory: Path) -> list[str]:
    """One plot per external growth metric (export, latency) that has figures at several scales."""
    series: dict[tuple[str, str], list[tuple[float, Row]]] = {}
    for row in rows:
        match = re.match(r"Growth — (\w+) at ([\d.]+)×", row.section)
        if match and row.kgrec is not None:
            series.setdefault((match.group(1), row.metric), []).append((float(match.group(2)), row))
    written = []
    for (name, metric), points in series.items():
        if len(points) < 2:
            continue
        slug = re.sub(r"[^a-z0-9]+", "_", f"growth_{name}_{metric}".lower()).strip("_")
        fig, ax = plt.subplots(figsize=(6, 4))
        scales = [s for s, _ in points]
        ax.plot(scales, [r.kgrec for _, r in points], marker="o", label="kgrec")
        if all(r.baseline is not None for _, r in points):
            ax.plot(scales, [r.baseline for _, r in points], marker="s", label=points[0][1].baseline_name)
        ax.set(xscale="log", xlabel="scale (× base size)", ylabel=points[0][1].unit or metric,
               title=f"{name}: {metric}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(directory / f"{slug}.png", dpi=110)
        plt.close(fig)
        written.append(f"img/{slug}.png")
    return written
