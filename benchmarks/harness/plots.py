"""PNG plots for the results tables (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from harness.report import Row  # noqa: E402


def _first(rows: list[Row], needle: str) -> Row | None:
    return next((r for r in rows if needle in r.metric and r.kgrec is not None), None)


def growth_point(scale: float, load_point: dict, export_rows: list[Row], latency_rows: list[Row],
                 items: int) -> dict:
    """The figures of one growth scale that the plot needs (missing ones stay None)."""
    exported = _first(export_rows, "export rows/s")
    point = {"scale": scale, "items": items, **load_point,
             "export_rps": exported.kgrec if exported else None,
             "driver_rps": exported.baseline if exported else None}
    for quantile in ("p50", "p99"):
        row = _first(latency_rows, f"latency {quantile}, 1 client") or _first(latency_rows, f"latency {quantile}")
        point[f"kgrec_{quantile}"] = row.kgrec if row else None
        point[f"numpy_{quantile}"] = row.baseline if row else None
    return point


def _series(ax, points: list[dict], x: str, y: str, label: str, marker: str) -> None:
    pairs = [(p[x], p[y]) for p in points if p.get(x) and p.get(y)]
    if pairs:
        ax.plot(*zip(*pairs, strict=True), marker=marker, label=label)


def growth(points: list[dict], path: Path, root: Path) -> str:
    """Three panels: load wall time, export throughput, 1-client latency — kgrec vs baseline, log axes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (load_ax, export_ax, latency_ax) = plt.subplots(1, 3, figsize=(15, 4.2))
    _series(load_ax, points, "relationships", "kgrec_s", "kgrec load", "o")
    _series(load_ax, points, "relationships", "admin_s", "neo4j-admin import full", "s")
    load_ax.set(xlabel="relationships loaded", ylabel="wall seconds", title="Load: wall time")
    _series(export_ax, points, "relationships", "export_rps", "kgrec streaming export", "o")
    _series(export_ax, points, "relationships", "driver_rps", "raw driver, record by record", "s")
    export_ax.set(xlabel="relationships in the graph", ylabel="rows/s", title="Export: throughput")
    for quantile, style in (("p50", "-"), ("p99", "--")):
        pairs = [(p["items"], p[f"kgrec_{quantile}"]) for p in points if p.get(f"kgrec_{quantile}")]
        if pairs:
            latency_ax.plot(*zip(*pairs, strict=True), style, marker="o", color="C0", label=f"kgrec Cypher {quantile}")
        pairs = [(p["items"], p[f"numpy_{quantile}"]) for p in points if p.get(f"numpy_{quantile}")]
        if pairs:
            latency_ax.plot(*zip(*pairs, strict=True), style, marker="s", color="C1", label=f"numpy {quantile}")
    latency_ax.set(xlabel="items", ylabel="ms", title="Top-10 latency, 1 client")
    for ax in (load_ax, export_ax, latency_ax):
        ax.set(xscale="log", yscale="log")
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.suptitle("Cost curve at 0.1× / 1× / 10× (same run, same machine)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path.relative_to(root))


def latency_growth(points: list[dict], path: Path, root: Path) -> str:
    """1-client top-10 latency against items: kgrec Cypher vs numpy brute force, p50 and p99, log axes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for quantile, style in (("p50", "-"), ("p99", "--")):
        for who, marker, colour, name in (("kgrec", "o", "C0", "kgrec Cypher"), ("numpy", "s", "C1", "numpy")):
            pairs = [(p["items"], p[f"{who}_{quantile}"]) for p in points if p.get(f"{who}_{quantile}")]
            if pairs:
                ax.plot(*zip(*pairs, strict=True), style, marker=marker, color=colour, label=f"{name} {quantile}")
    ax.set(xscale="log", yscale="log", xlabel="items", ylabel="ms", title="Top-10 latency (genre + unseen), 1 client")
    ax.grid(True, which="both", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path.relative_to(root))
