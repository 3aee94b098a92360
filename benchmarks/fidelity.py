"""Explanation fidelity (kgrec.serve.fidelity): for sampled users and their top-k recommendations, the
drop of the recommended item's fold-in score when the explaining item is removed from the history,
against the drop when a random other liked item is removed. Ratio > 1: explanations name items the
recommendation rests on more than a random liked item.

Uses the active model of --dataset on the instance named by KGREC_INSTANCE / KGREC_BOLT_PORT /
KGREC_HTTP_PORT (or --model vN; --run RUN writes a run back first). Prints one JSON line; `--json OUT`
writes {"rows": [...], "summary": [...]} for the harness, `--pairs OUT` every measured pair.

    KGREC_INSTANCE=... .venv/bin/python benchmarks/fidelity.py [--quick] [--dataset ml100k] [--users 100] [-k 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgrec.cypher import add_directory  # noqa: E402
from kgrec.db import Graph  # noqa: E402
from kgrec.serve import fidelity, writeback  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402

add_directory(ROOT / "benchmarks" / "cypher")   # the baseline explain rankings (bench/explain_by_*)

KINDS = {"all": "every explained recommendation", "U-I-I": "direct KG link (sequel, …)",
         "U-I-E-I": "shared KG entity", "U-I-U-I": "people who liked X also liked it"}


def rows(result: fidelity.Fidelity, model: writeback.ModelVersion, measure: str) -> list[dict]:
    out = []
    for s in result.to_dict()["summary"]:
        if s["pairs"] < MIN_PAIRS and s["kind"] != "all":  # too few for a stable mean (kept in "summary")
            continue
        note = (f"{s['pairs']} user–item pairs, {result.users} users, model {model.version} ({measure} ranking); "
                f"explaining drop > random drop in {s['share_beating_random']:.0%}; mean rank of the explaining "
                f"item's drop among the user's liked items {s['mean_rank']:.2f} (0 = largest); largest single-item "
                f"drop {s['mean_oracle_drop']:.4f}")
        out.append({"metric": f"score drop removing the explaining item — {KINDS.get(s['kind'], s['kind'])}",
                    "kgrec": s["mean_explained_drop"], "baseline": s["mean_random_drop"],
                    "baseline_name": "removing a random liked item", "unit": "", "higher_is_better": True,
                    "note": note})
    return out


MIN_PAIRS = 30
BASELINES = {"degree": "degree-first ranking (the previous explain.cypher)",
             "similarity": "similarity ranking, KG attention ignored"}


def baseline_row(result: fidelity.Fidelity, name: str, old: fidelity.Fidelity) -> dict:
    """The shipped ranking vs another one: drop of the score removing each one's explaining item."""
    new, other = result.summary(), old.summary()
    return {"metric": f"score drop removing the explaining item — shipped ranking vs {BASELINES[name]}",
            "kgrec": new["mean_explained_drop"], "baseline": other["mean_explained_drop"],
            "baseline_name": f"cypher/bench/explain_by_{name}.cypher", "unit": "", "higher_is_better": True,
            "note": f"same users and recommendations; {name}: {other['pairs']} pairs, ratio to random "
                    f"{other['ratio']:.2f}, explaining drop > random in {other['share_beating_random']:.0%}, "
                    f"mean rank {other['mean_rank']:.2f}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pairs", type=Path, help="write every measured pair here")
    parser.add_argument("--quick", action="store_true", help="30 users")
    parser.add_argument("--dataset", default="ml100k")
    parser.add_argument("--model", help="model version (default: the dataset's active one)")
    parser.add_argument("--run", help="write this run back (and activate it) first")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-baselines", action="store_true",
                        help="skip the other rankings (cypher/bench/explain_by_degree.cypher, explain_by_similarity)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with Graph(load_settings()) as graph:
        if args.run:
            args.model = writeback.write_back(graph, args.run).version
        model = writeback.get_model(graph, version=args.model, dataset=args.dataset)
        users = fidelity.sample_users(graph, model, 30 if args.quick else args.users, args.seed)
        result = fidelity.measure(graph, model, users, args.k, args.seed)
        others = {} if args.no_baselines else {
            name: fidelity.measure(graph, model, users, args.k, args.seed, f"bench/explain_by_{name}")
            for name in BASELINES}
    measure = "/".join(sorted(result.ranking)) or "none"
    table = rows(result, model, measure) + [baseline_row(result, name, old) for name, old in others.items()]
    payload = {"rows": table, "summary": result.to_dict()["summary"],
               "baselines": {name: old.to_dict()["summary"] for name, old in others.items()},
               "model": model.version, "run_id": model.run_id, "ranking": measure, "users": len(users), "k": args.k,
               "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(payload))
    if args.json:
        args.json.write_text(json.dumps(payload, indent=2))
    if args.pairs:
        args.pairs.write_text(json.dumps(result.to_dict()["pairs"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
