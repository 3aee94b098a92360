"""Orchestrate the benchmarks; each section saves benchmarks/results/<mode>/<section>.json and the table
(RESULTS.md for the full run, RESULTS-quick.md for --quick) is rebuilt from every saved section.

    benchmarks/run [--quick] [--only accuracy,load,export,latency,writeback,growth,fidelity] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

from harness import accuracy, cold, encoders, env, external, load, plots, report
from harness.report import Row, SectionResult

BENCH = env.ROOT / "benchmarks"
SECTIONS = ("accuracy-ml100k", "accuracy-lastfm", "kgworth-ml100k", "kgworth-lastfm", "cold-ml100k", "cold-lastfm",
            "encoders-ml100k", "load", "sampled-growth", "distributed-ml100k", "export", "latency", "writeback",
            "growth", "growth-latency", "fidelity")
# sections whose figures are timings: measured under load (1-min load average > cores / 2) they are marked
TIMING_SECTIONS = ("load", "export", "latency", "writeback", "growth", "growth-latency", "sampled-growth",
                   "distributed-ml100k")
ALIASES = {"accuracy": ("accuracy-ml100k", "accuracy-lastfm"), "kgworth": ("kgworth-ml100k", "kgworth-lastfm"),
           "cold": ("cold-ml100k", "cold-lastfm")}
KG_WORTH_MODELS = ("lightgcn", "kgat", "kgat-nokg", "kgat-notext", "kglightgcn", "kglightgcn-nokg",
                   "kglightgcn-notext")
SCALES = (0.1, 1.0, 10.0)
GROWTH_LOAD = "Growth — load: kgrec load vs neo4j-admin import at 0.1× / 1× / 10×"
GROWTH_EXPORT = "Growth — export: kgrec streaming export vs raw driver at 0.1× / 1× / 10×"
GROWTH_LATENCY = "Growth — latency: Cypher top-10 vs numpy brute force at 0.1× / 1× / 10× items"
LATENCY_ITEMS = (5_000, 50_000, 500_000, 2_000_000)      # growth-latency (--quick: the first two)
GROWTH_LATENCY_ITEMS = "Growth — latency at 5k / 50k / 500k / 2M items: Cypher top-10 vs numpy brute force, 1 client"


def plan(dataset: str, quick: bool, threads: int, cap: int | None = None, resume: bool = False) -> accuracy.Plan:
    """Models and epoch caps. --quick trains a few epochs and, on Last.fm, only the non-KG models;
    ``cap`` lowers every model's cap on both sides alike (--epochs-cap)."""
    if not quick:
        kg = {"pop": 1, "bprmf": 300, "lightgcn": 300, "kgat": 300, "kglightgcn": 300,
              "kglightgcn-nokg": 300, "kglightgcn-notext": 300}
        rb = {"Pop": 1, "BPR": 300, "LightGCN": 300, "KGAT": 300, "KGIN": 300}
    elif dataset == "ml-100k":
        kg = {"pop": 1, "bprmf": 10, "lightgcn": 5, "kgat": 3, "kglightgcn": 3}
        rb = {"Pop": 1, "BPR": 10, "LightGCN": 5, "KGAT": 1, "KGIN": 2}
    else:
        kg = {"pop": 1, "bprmf": 10, "lightgcn": 5}
        rb = {"Pop": 1, "BPR": 10, "LightGCN": 5}
    if cap:
        kg, rb = ({k: min(v, cap) for k, v in caps.items()} for caps in (kg, rb))
    return accuracy.Plan(list(kg), kg, list(rb), rb, threads, resume)


def kg_worth_plan(args: argparse.Namespace) -> accuracy.Plan:
    """kgrec's KG/text models, their ablations and LightGCN (``--kgrec-models`` to choose), RecBole's KG
    models as named by ``--recbole-models`` (none by default)."""
    cap = args.epochs_cap or (5 if args.quick else 300)
    models = [m.strip() for m in args.kgrec_models.split(",") if m.strip()] if args.kgrec_models else \
        list(KG_WORTH_MODELS)
    rb = [m.strip() for m in args.recbole_models.split(",") if m.strip()]
    return accuracy.Plan(models, dict.fromkeys(models, cap), rb, dict.fromkeys(rb, cap), args.threads, args.resume)


def synthetic_size(scale: float, quick: bool) -> tuple[int, int, int]:
    """(users, items, events) at ``scale``; the full run's 10× has 5M events (>= 5M relationships)."""
    users, items, events = (1_000, 500, 20_000) if quick else (10_000, 5_000, 500_000)
    return int(users * scale), int(items * scale), int(events * scale)


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.mode = "quick" if args.quick else "full"
        self.settings = env.bench_settings()
        self.work = BENCH / ".work" / self.mode
        self.work.mkdir(parents=True, exist_ok=True)
        self.results_dir = BENCH / "results" / self.mode
        self.img_dir = BENCH / "img" / self.mode
        self.command = " ".join(["benchmarks/run", *sys.argv[1:]])
        env.ensure_running(self.settings)
        self.machine, self.checksums = env.machine(), env.checksums()

    def section(self, name: str, action: Callable[[SectionResult], None]) -> None:
        """Run one section; a failure becomes a row, and the section file is written either way."""
        print(f"==> {name}", flush=True)
        result = SectionResult(name, [], [], [], {"date": env.now(), "command": self.command,
                                                  "commit": self.machine.get("kgrec git commit", "?")})
        quiet = env.wait_quiet(report.LOAD_LIMIT) if name in TIMING_SECTIONS else env.load_average()
        started, load_before = time.perf_counter(), quiet
        try:
            action(result)
        except Exception as exc:  # noqa: BLE001 - a broken section is reported, the rest still runs
            result.rows.append(report.missing(name, "all figures", "—", f"section failed: {str(exc)[:200]}"))
            print(f"    failed: {exc}", flush=True)
        result.meta |= {"wall_s": round(time.perf_counter() - started, 1), "machine": self.machine,
                        "checksums": self.checksums, "load_before": load_before, "load_after": env.load_average()}
        report.save_section(self.results_dir, result)
        self.write_table()
        print(f"    {result.meta['wall_s']:.0f}s", flush=True)

    def write_table(self) -> None:
        sections = report.load_sections(self.results_dir, SECTIONS)
        if self.args.quick:
            title, path = "kgrec benchmark results — quick run", BENCH / "RESULTS-quick.md"
            intro = ("`benchmarks/run --quick`: a few epochs per model, smaller synthetic graphs and shorter "
                     "latency windows; the full run's table is [RESULTS.md](RESULTS.md).")
        else:
            title, path = "kgrec benchmark results", BENCH / "RESULTS.md"
            intro = "`benchmarks/run` (full run). The short version is in [RESULTS-quick.md](RESULTS-quick.md)."
        path.write_text(report.render(title, sections, intro, timing=TIMING_SECTIONS))

    # -- sections ------------------------------------------------------------------------
    def accuracy(self, dataset: str, result: SectionResult) -> None:
        p = plan(dataset, self.args.quick, self.args.threads, self.args.epochs_cap, self.args.resume)
        rows, notes = accuracy.run(dataset, p, self.work / f"accuracy-{dataset}", self.settings)
        result.rows += rows
        cap = self.args.epochs_cap
        capped = f" (--epochs-cap {cap}: the same cap for both systems)" if cap else ""
        result.notes += notes + [f"epoch caps{capped} — kgrec: {p.kgrec_epochs}; RecBole: {p.recbole_epochs}; early "
                                 f"stopping after 10 epochs without a better validation NDCG@10; {p.threads} "
                                 "torch thread(s)"]
        if "Pop" in p.recbole_models:
            result.notes.append("RecBole 1.2.1's Pop counts an item once per training batch however often it occurs "
                                "in that batch (RUCAIBox/RecBole#2198, #1844), so its popularity is undercounted; "
                                "kgrec's pop counts every training interaction")

    def kg_worth(self, dataset: str, result: SectionResult) -> None:
        p = kg_worth_plan(self.args)
        rows, notes = accuracy.run_kg_worth(dataset, p, self.work / f"kgworth-{dataset}", self.settings)
        result.rows += rows
        result.notes += notes + [f"epoch cap {p.kgrec_epochs.get('lightgcn', '—')} for every model, early stopping "
                                 f"after 10 epochs without a better validation NDCG@10; {p.threads} torch thread(s); "
                                 "the best KG/text model is chosen on validation NDCG@10"]

    def cold(self, dataset: str, result: SectionResult) -> None:
        cap = self.args.epochs_cap or (3 if self.args.quick else 300)
        models = [m.strip() for m in self.args.kgrec_models.split(",") if m.strip()] if self.args.kgrec_models \
            else list(cold.COLD_MODELS)
        p = accuracy.Plan(models, {m: 1 if m in ("pop", "textknn") else cap for m in models}, [], {},
                          self.args.threads, self.args.resume)
        rows, notes, plots_ = cold.run_cold(dataset, p, self.work / f"cold-{dataset}", self.settings,
                                            self.args.cold_items, self.img_dir, BENCH)
        result.rows += rows
        result.plots += plots_
        result.notes += notes + [f"epoch cap {cap}, early stopping after 10 epochs without a better validation "
                                 f"NDCG@10; {p.threads} torch thread(s); {cold.__doc__.split(chr(10) + chr(10))[1]}"]

    def encoders(self, dataset: str, result: SectionResult) -> None:
        cap = self.args.epochs_cap or (3 if self.args.quick else 300)
        models = [m.strip() for m in self.args.kgrec_models.split(",") if m.strip()] if self.args.kgrec_models \
            else list(encoders.ENCODER_MODELS)
        p = accuracy.Plan(models, dict.fromkeys(models, cap), [], {}, self.args.threads, self.args.resume)
        rows, notes = encoders.run_encoders(dataset, p, self.work / f"encoders-{dataset}", self.settings)
        result.rows += rows
        result.notes += notes + [f"epoch cap {cap}, early stopping after 10 epochs without a better validation "
                                 f"NDCG@10; {p.threads} torch thread(s); {encoders.__doc__.splitlines()[0]}"]

    def load(self, result: SectionResult) -> None:
        from harness.atomic_graph import read_atomic

        rows, _ = load.measure(self.settings, "ml-100k", ["load", "ml100k"], "ml100k", self.work / "load",
                               fallback=read_atomic(env.ml100k_dir(), "ml-100k"))
        result.rows += rows
        result.notes.append("the synthetic-graph load rows (10× = the largest graph) come from the growth section")

    def external(self, name: str, result: SectionResult) -> None:
        started = time.time()
        rows, note = external.run(name, self.settings, self.work, self.args.quick)
        result.rows += rows
        result.notes += [note] if note else []
        plot = self.img_dir / f"{name.replace('_', '-')}.png"      # scripts that draw one (sampled_growth)
        if plot.exists() and plot.stat().st_mtime >= started:
            result.plots.append(str(plot.relative_to(BENCH)))

    def growth(self, result: SectionResult) -> None:
        """At each scale: load the synthetic graph (vs neo4j-admin), export it (vs the raw driver), then
        measure top-10 latency on a world with as many items (vs numpy)."""
        points = []
        work = self.work / "growth"
        work.mkdir(parents=True, exist_ok=True)
        for scale in SCALES:
            users, items, events = synthetic_size(scale, self.args.quick)
            label = f"synthetic {scale:g}× ({users:,} users, {items:,} items, {events:,} events)"
            command = ["load", "synthetic", "--users", str(users), "--items", str(items), "--events", str(events),
                       "--seed", "7"]
            rows, point = load.measure(self.settings, label, command, "synthetic", work, section=GROWTH_LOAD,
                                       bulk=scale == max(SCALES))
            result.rows += rows
            if scale == max(SCALES):
                result.rows += [Row(**{**vars(r), "section": load.SECTION}) for r in rows]
            tag, prefix = f"{scale:g}x", f"{scale:g}×: "
            exported, note = external.run("export_vs_driver", self.settings, work, self.args.quick,
                                          extra=("--dataset", "synthetic"), section=GROWTH_EXPORT, tag=tag,
                                          prefix=prefix)
            latency_users = max(100, items // 10)
            timed, note2 = external.run("latency", self.settings, work, self.args.quick,
                                        extra=("--size", f"{items} items:{latency_users}:{items}", "--clients", "0"),
                                        section=GROWTH_LATENCY, tag=tag, prefix=prefix)
            result.rows += exported + timed
            result.notes += [n for n in (note, note2) if n]
            points.append(plots.growth_point(scale, point, exported, timed, items))
        self.img_dir.mkdir(parents=True, exist_ok=True)
        result.plots.append(plots.growth(points, self.img_dir / "growth.png", BENCH))


    def growth_latency(self, result: SectionResult) -> None:
        """Top-10 latency (1 client, genre filter + unseen) and recall@10 on worlds of 5k … 2M items (vs numpy)."""
        work = self.work / "growth-latency"
        work.mkdir(parents=True, exist_ok=True)
        points = []
        for items in LATENCY_ITEMS[:2] if self.args.quick else LATENCY_ITEMS:
            label = f"{items:,} items"
            timed, note = external.run("latency", self.settings, work, True, timeout=3 * 3600,
                                       extra=("--size", f"{label}:{max(100, items // 100)}:{items}", "--clients", "0",
                                              "--concurrency", "0"),
                                       section=GROWTH_LATENCY_ITEMS, tag=f"{items}")
            result.rows += timed
            result.notes += [note] if note else []
            points.append(plots.growth_point(items, {}, [], timed, items))
        self.img_dir.mkdir(parents=True, exist_ok=True)
        result.plots.append(plots.latency_growth(points, self.img_dir / "growth-latency.png", BENCH))


def expand(only: str) -> list[str]:
    wanted: list[str] = []
    for name in (s.strip() for s in only.split(",") if s.strip()):
        wanted += ALIASES.get(name, (name,))
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short version (< 20 min on 2 cores)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {SECTIONS} ('accuracy' = both accuracy sections)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads per training")
    parser.add_argument("--epochs-cap", type=int, help="lower every model's epoch cap to this, kgrec and RecBole alike")
    parser.add_argument("--kgrec-models", default="", help="kgworth: comma list of kgrec models/variants "
                        f"(default {','.join(KG_WORTH_MODELS)}; a -nokg/-notext suffix is the ablation)")
    parser.add_argument("--recbole-models", default="", help="kgworth: RecBole KG models to run beside (e.g. KGAT)")
    parser.add_argument("--cold-items", type=float, default=0.1, help="cold: share of items made cold (default 0.1)")
    parser.add_argument("--resume", action="store_true",
                        help="accuracy: reuse models already trained in benchmarks/.work with the same epoch cap")
    args = parser.parse_args(argv)
    wanted = expand(args.only)
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    harness = Harness(args)
    started = time.perf_counter()
    actions: dict[str, Callable[[SectionResult], None]] = {
        "accuracy-ml100k": lambda r: harness.accuracy("ml-100k", r),
        "accuracy-lastfm": lambda r: harness.accuracy("lastfm", r),
        "kgworth-ml100k": lambda r: harness.kg_worth("ml-100k", r),
        "kgworth-lastfm": lambda r: harness.kg_worth("lastfm", r),
        "cold-ml100k": lambda r: harness.cold("ml-100k", r),
        "cold-lastfm": lambda r: harness.cold("lastfm", r),
        "encoders-ml100k": lambda r: harness.encoders("ml-100k", r),
        "load": harness.load, "growth": harness.growth, "growth-latency": harness.growth_latency,
        "export": lambda r: harness.external("export_vs_driver", r),
        "latency": lambda r: harness.external("latency", r),
        "writeback": lambda r: harness.external("writeback", r),
        "sampled-growth": lambda r: harness.external("sampled_growth", r),
        "distributed-ml100k": lambda r: harness.external("distributed", r),
        "fidelity": lambda r: harness.external("fidelity", r)}
    for name in SECTIONS:
        if name in wanted:
            harness.section(name, actions[name])
    print(f"total wall time {time.perf_counter() - started:.0f}s; "
          f"wrote {'RESULTS-quick.md' if args.quick else 'RESULTS.md'} from {harness.results_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
