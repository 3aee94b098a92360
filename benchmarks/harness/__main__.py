"""Orchestrate every benchmark and write benchmarks/RESULTS.md (see benchmarks/README.md).

    benchmarks/run [--quick] [--only accuracy,load,export,latency,writeback,growth] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from harness import accuracy, env, external, load, plots, report
from harness.report import Row
from kgrec.settings import PROJECT_ROOT

BENCH = PROJECT_ROOT / "benchmarks"
SECTIONS = ("accuracy", "load", "export", "latency", "writeback", "growth")
SCALES = (0.1, 1.0, 10.0)


def plan(quick: bool, threads: int) -> accuracy.Plan:
    if quick:
        kg_epochs = {"pop": 1, "bprmf": 20, "lightgcn": 10, "kgat": 5}
        rb_epochs = {"Pop": 1, "BPR": 20, "LightGCN": 10, "KGAT": 2, "KGIN": 3}
    else:
        kg_epochs = {"pop": 1, "bprmf": 300, "lightgcn": 300, "kgat": 300}
        rb_epochs = {"Pop": 1, "BPR": 300, "LightGCN": 300, "KGAT": 300, "KGIN": 300}
    return accuracy.Plan(list(kg_epochs), kg_epochs, list(rb_epochs), rb_epochs, threads)


def synthetic_command(scale: float, quick: bool) -> list[str]:
    """0.1x / 1x / 10x of the base synthetic graph; the full run's 10x has >= 5M events."""
    users, items, events = (1_000, 500, 20_000) if quick else (10_000, 5_000, 500_000)
    return ["load", "synthetic", "--users", str(int(users * scale)), "--items", str(int(items * scale)),
            "--events", str(int(events * scale)), "--seed", "7"]


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = env.bench_settings()
        self.work = BENCH / ".work" / ("quick" if args.quick else "full")
        self.work.mkdir(parents=True, exist_ok=True)
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.plots: list[str] = []
        self.timings: dict[str, float] = {}
        self.header = {"date": env.now(), "machine": env.machine(), "checksums": env.checksums(),
                       "command": " ".join(["benchmarks/run", *sys.argv[1:]])}

    def section(self, name: str, action) -> None:
        print(f"==> {name}", flush=True)
        started = time.perf_counter()
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - a broken section is reported, the rest still runs
            self.rows.append(report.missing(name, "all figures", "—", f"section failed: {str(exc)[:200]}"))
            print(f"    failed: {exc}", flush=True)
        self.timings[name] = time.perf_counter() - started
        print(f"    {self.timings[name]:.0f}s", flush=True)
        self.write()

    def write(self) -> None:
        notes = self.notes + ["section wall times: " + ", ".join(f"{k} {v:.0f}s" for k, v in self.timings.items())]
        report.write(BENCH / "RESULTS.md", self.rows, self.header, self.plots, notes)

    # -- sections ------------------------------------------------------------------------
    def accuracy(self) -> None:
        p = plan(self.args.quick, self.args.threads)
        for dataset in ("ml-100k", "lastfm"):
            rows, notes = accuracy.run(dataset, p, self.work / f"accuracy-{dataset}", self.settings)
            self.rows += rows
            self.notes += notes
        self.notes.append(f"epoch caps — kgrec: {p.kgrec_epochs}; RecBole: {p.recbole_epochs}; "
                          f"early stopping after 10 epochs without a better validation NDCG@10; {p.threads} threads")

    def load(self) -> None:
        from harness.atomic_graph import read_atomic

        rows, _ = load.measure(self.settings, "ml-100k", ["load", "ml100k"], "ml100k",
                               self.work / "load", fallback=read_atomic(env.ML100K_DIR, "ml-100k"))
        self.rows += rows
        big = 10.0
        rows, _ = load.measure(self.settings, f"synthetic {big:g}×", synthetic_command(big, self.args.quick),
                               "synthetic", self.work / "load")
        self.rows += rows

    def external(self, name: str) -> None:
        rows, note = external.run(name, self.settings, self.work, self.args.quick)
        self.rows += rows
        self.notes += [note] if note else []

    def growth(self) -> None:
        points = []
        for scale in SCALES:
            command = synthetic_command(scale, self.args.quick)
            rows, point = load.measure(self.settings, f"synthetic {scale:g}×", command, "synthetic",
                                       self.work / "growth")
            for row in rows:
                row.section = "Growth — load at 0.1× / 1× / 10×"
            self.rows += rows
            if point:
                points.append(point | {"scale": scale})
            for name in ("export_vs_driver", "latency"):
                rows, note = external.run(name, self.settings, self.work, self.args.quick, scale=scale)
                self.rows += rows
                self.notes += [note] if note else []
        if points:
            self.plots.append(plots.growth(points, BENCH / "img" / "growth_load.png"))
        self.plots += plots.growth_from_rows(self.rows, BENCH / "img")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short version (< 20 min on 2 cores)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch threads per training")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    harness = Harness(args)
    started = time.perf_counter()
    actions = {"accuracy": harness.accuracy, "load": harness.load, "growth": harness.growth,
               "export": lambda: harness.external("export_vs_driver"),
               "latency": lambda: harness.external("latency"), "writeback": lambda: harness.external("writeback")}
    for name in SECTIONS:
        if name in wanted:
            harness.section(name, actions[name])
    harness.notes.append(f"total wall time {time.perf_counter() - started:.0f}s")
    harness.write()
    print(f"wrote {BENCH / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
