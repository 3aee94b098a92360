#!/usr/bin/env python
"""Rebuild kgrec/ingest/ml100k_ml1m_bridge.tsv (ml-100k id -> MovieLens-1M id) from movies.dat.

    python scripts/build_ml100k_bridge.py [--from ../shared/data] [--movies FILE] [--check]

Reads RecBole 1.2.1's ml-100k.item and MovieLens-1M's movies.dat, both resolved and sha256-verified by
kgrec's dataset registry (``--from DIR``, ``KGREC_DATA_DIR``, the home cache, a download; ``--movies``
names an unverified movies.dat instead),
matches titles by normalised title and year (kgrec.ingest.ml100k_bridge) and writes the ids-only table.
--check compares instead of writing and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from kgrec import datasets
from kgrec.ingest.ml100k_bridge import BRIDGE_FILE, build_bridge, render_bridge
from kgrec.settings import load_settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="from_dir", type=Path, help="data folder holding movielens-1m/movies.dat")
    parser.add_argument("--movies", type=Path, help="a movies.dat file to use as it is (no sha256 check)")
    parser.add_argument("--check", action="store_true", help="compare with the committed table, write nothing")
    args = parser.parse_args()
    settings = load_settings()
    items = datasets.resolve("ml100k", settings) / "ml-100k.item"
    movies = args.movies or datasets.resolve("movielens-1m", settings, args.from_dir) / "movies.dat"
    matches = build_bridge(items, movies)
    text = render_bridge(matches)
    tiers = Counter(m.tier for m in matches)
    print(f"{len(matches)} of 1682 ml-100k items matched: " + ", ".join(f"{n} {t}" for t, n in tiers.items()))
    if args.check:
        same = BRIDGE_FILE.read_text() == text
        print("bridge table is up to date" if same else f"bridge table differs from {BRIDGE_FILE}")
        return 0 if same else 1
    BRIDGE_FILE.write_text(text)
    print(f"wrote {BRIDGE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
