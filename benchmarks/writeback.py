"""Write-back throughput: 64-d vectors/s into Neo4j (goal >= 50k/s).

Loads a synthetic clustered world (tests/serve_fixtures.py) into the benchmark instance, then
times `kgrec.serve.writeback.write_back` end to end (vectors + vector index ONLINE + activation)
and the vector-writing phase alone. Prints one JSON line; `--json OUT` also writes it.

    KGREC_INSTANCE=bench KGREC_BOLT_PORT=... .venv/bin/python benchmarks/writeback.py [--quick] [--scale X]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kgrec import migrations  # noqa: E402
from kgrec.db import Graph  # noqa: E402
from kgrec.maintenance import wipe_data  # noqa: E402
from kgrec.serve import writeback  # noqa: E402
from kgrec.serve.vectors import augment_items, max_norm_for  # noqa: E402
from kgrec.settings import load_settings  # noqa: E402
from tests.serve_fixtures import load_world, make_run, make_world  # noqa: E402

DIM = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write {'rows': [...]} here.")
    parser.add_argument("--quick", action="store_true", help="10k items instead of 50k.")
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply the item/user counts.")
    args = parser.parse_args()
    items = int((10_000 if args.quick else 50_000) * args.scale)
    users = max(100, items // 10)
    world = make_world(users=users, items=items, dim=DIM, per_user=5, dataset="wbbench", seed=7)
    with Graph(load_settings()) as graph, tempfile.TemporaryDirectory() as tmp:
        migrations.migrate(graph)
        wipe_data(graph)
        load_world(graph, world, with_text=False)
        make_run(Path(tmp), world, "wb")
        vectors = augment_items(world.items, max_norm_for(world.items))
        keys = list(world.item_keys)
        began = time.perf_counter()
        writeback.write_vectors(graph, "Item", "emb_wbbench", keys, vectors)
        raw = time.perf_counter() - began
        began = time.perf_counter()
        model = writeback.write_back(graph, "wb", runs_dir=Path(tmp))
        full = time.perf_counter() - began
        total = len(world.user_keys) + len(world.item_keys) + len(world.entity_keys)
        writeback.drop_version(graph, model.version, force=True)
        wipe_data(graph)
    rows = [
        {"metric": f"write-back vector writes, {DIM}-d ({items} items)", "kgrec": round(items / raw),
         "baseline": 50_000, "baseline_name": "goal", "unit": "vectors/s", "higher_is_better": True,
         "note": "UNWIND batches of 5000 through db.create.setNodeVectorProperty"},
        {"metric": f"write-back end to end, {DIM}-d ({total} vectors)", "kgrec": round(total / full),
         "baseline": 50_000, "baseline_name": "goal", "unit": "vectors/s", "higher_is_better": True,
         "note": f"users+items+entities, vector index ONLINE and activation included ({full:.1f} s)"},
    ]
    out = {"rows": rows}
    print(json.dumps(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
