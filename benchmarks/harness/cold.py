"""Cold items (issue 13): a seeded share of items loses every train and valid interaction; Recall@20 and
NDCG@20 on the test rows of those items and on the warm rows, each under full ranking over all items.

Every model trains with ``KGREC_TRAIN_COLD_ITEMS`` on the same split; a second share of items of the same
size is validation-cold (its rows are validation rows), so validation mirrors the test's mix of warm and
cold rows. References: text-kNN (a user's mean training-item text vector, cosine to every item's) and
popularity. A model with an item content tower calibrates the loudness of its cold items on validation
NDCG@10 (all validation rows); the tower model reported against the targets (``sage``, ``kgat+tower``,
``+csNN`` / ``+cdNN`` variants) is the one best on validation NDCG@10; the others are reported beside it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from harness import accuracy  # noqa: E402
from harness.report import Row  # noqa: E402

COLD_MODELS = ("pop", "textknn", "lightgcn", "kgat", "kgat+tower", "sage")


def metric(result: dict, part: str, name: str) -> float | None:
    value = (result.get(part) or {}).get(name)
    return None if value is None else float(value)


def has_tower(model: str) -> bool:
    return accuracy.base_model(model) == "sage" or "+tower" in model


def best_inductive(runs: dict[str, dict]) -> str | None:
    """The model with an item content tower (sage, any ``+tower`` variant) best on validation NDCG@10."""
    candidates = [m for m in runs if has_tower(m) and not m.endswith(tuple(accuracy.ABLATIONS))]
    return max(candidates, key=lambda m: metric(runs[m], "valid", "ndcg@10") or 0, default=None)


def run_cold(dataset: str, plan: accuracy.Plan, work: Path, settings, fraction: float, img: Path, root: Path
             ) -> tuple[list[Row], list[str], list[str]]:
    """(rows, notes, plots) of the cold-item section for ``dataset``."""
    section = f"Cold items — {dataset} ({fraction:.0%} of items cold; full ranking over all items, one split)"
    notes: list[str] = []
    runs, _, split = accuracy.kgrec_side(dataset, plan, settings, work, notes,
                                          {"KGREC_TRAIN_COLD_ITEMS": str(fraction)})
    best = best_inductive(runs)
    rows = target_rows(section, runs, best)
    for model, result in runs.items():
        for part in ("cold", "warm"):
            baseline = "textknn" if part == "cold" else "lightgcn"
            if model == baseline:
                continue
            for name in ("recall@20", "ndcg@20"):
                rows.append(Row(section, f"{part} {name.replace('recall', 'Recall').replace('ndcg', 'NDCG')}: "
                                f"kgrec {model} vs {baseline}", metric(result, f"test_{part}", name),
                                metric(runs.get(baseline, {}), f"test_{part}", name), f"kgrec {baseline}"))
        calibration = result.get("cold_calibration") or {}
        scale = f", cold scale × {calibration['multiplier']:g} chosen on validation" if "grid" in calibration else ""
        notes.append(f"{dataset}: {model} — valid NDCG@10 {metric(result, 'valid', 'ndcg@10') or 0:.4f}, best epoch "
                     f"{result.get('best_epoch')} of {result.get('epochs_run')}, {result.get('cold_items')} cold "
                     f"items, {result.get('cold_test_rows')} cold test rows{scale} (run {result.get('run_id')})")
    notes.append(f"{dataset}: split {split.split_id} ({len(split.cold_items)} items made cold for test, "
                 f"{len(split.cold_valid_items)} for validation, seed {split.seed})")
    plots = [trade_off_plot(dataset, runs, img / f"cold-{dataset}.png", root)] if runs else []
    return rows, notes, plots


def target_rows(section: str, runs: dict[str, dict], best: str | None) -> list[Row]:
    """The three targets of issue 13 for the inductive model chosen on validation."""
    if best is None:
        return [Row(section, "cold Recall@20: inductive model vs text-kNN", None, None, "kgrec textknn",
                    note="sage not trained")]
    cold = metric(runs[best], "test_cold", "recall@20")
    return [Row(section, f"cold Recall@20: kgrec {best} (chosen on validation) vs text-kNN", cold,
                metric(runs.get("textknn", {}), "test_cold", "recall@20"), "kgrec textknn", note="target ≥ 2×"),
            Row(section, f"cold Recall@20 vs warm Recall@20 of the same model ({best})", cold,
                metric(runs[best], "test_warm", "recall@20"), f"{best} on warm rows", note="target ≥ 0.5×"),
            Row(section, f"warm NDCG@10: kgrec {best} vs kgrec LightGCN", metric(runs[best], "test_warm", "ndcg@10"),
                metric(runs.get("lightgcn", {}), "test_warm", "ndcg@10"), "kgrec lightgcn", note="target ≥ 0.98×")]


def trade_off_plot(dataset: str, runs: dict[str, dict], path: Path, root: Path) -> str:
    """Left: cold Recall@20 against warm NDCG@10 on test, one point per model / variant. Right: each tower
    model's validation frontier over the serving multipliers its calibration tried, the chosen one circled."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, (ax, frontier) = plt.subplots(1, 2, figsize=(12, 4.5))
    for model, result in runs.items():
        x, y = metric(result, "test_warm", "ndcg@10"), metric(result, "test_cold", "recall@20")
        if x is None or y is None:
            continue
        ax.scatter([x], [y], marker="o" if has_tower(model) else "s")
        ax.annotate(model, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        grid = (result.get("cold_calibration") or {}).get("grid") or []
        if grid:
            warm = [g["valid_warm_ndcg@10"] for g in grid]
            cold = [g["valid_cold_recall@20"] for g in grid]
            line, = frontier.plot(warm, cold, ".-", label=model)
            chosen = next(g for g in grid if g["multiplier"] == result["cold_calibration"]["multiplier"])
            frontier.scatter([chosen["valid_warm_ndcg@10"]], [chosen["valid_cold_recall@20"]], s=120,
                             facecolors="none", edgecolors=line.get_color())
            for g in grid[::3]:
                frontier.annotate(f"×{g['multiplier']:g}", (g["valid_warm_ndcg@10"], g["valid_cold_recall@20"]),
                                  textcoords="offset points", xytext=(3, -9), fontsize=7)
    ax.set(xlabel="warm NDCG@10 (test rows of items seen in training)", ylabel="cold Recall@20 (never-seen items)",
           title=f"{dataset}: cold items vs warm accuracy (test)")
    frontier.set(xlabel="validation warm NDCG@10", ylabel="validation cold Recall@20",
                 title="serving multiplier frontier (validation; circled = chosen)")
    for axis in (ax, frontier):
        axis.grid(True, alpha=0.3)
    if frontier.lines:
        frontier.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path.relative_to(root))
