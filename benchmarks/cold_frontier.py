"""Test-set frontier of a tower run: warm NDCG@10 / Recall@20 and cold Recall@20 at every serving multiplier.

The calibration chooses the multiplier on validation (kgrec/train/trainer.py::calibrate_cold_scale); this
re-serves a finished run's best weights at each multiplier of the same grid on the *test* rows, to show
what validation's choice gave up or gained. Reading only, nothing is written but ``frontier.json`` in
the run folder. Text vectors come from the text cache (or Neo4j, through the API's usual settings).

    .venv/bin/python benchmarks/cold_frontier.py RUN_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch

    import kgrec
    from kgrec.train.trainer import COLD_MULTIPLIERS, Trainer, load_run, served_at

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    run_dir = parser.parse_args().run_dir
    data, config, split = load_run(run_dir)
    with kgrec.connect() as kg:
        text = kg.text_features(data, config, None)
    trainer = Trainer(data, config, run_dir, split, text)
    trainer.model.load_state_dict(torch.load(run_dir / "checkpoints" / "best.pt"))
    if trainer.model.tower is None:
        raise SystemExit(f"{run_dir}: the run's model has no content tower")
    points = []
    for multiplier in (0.0, *COLD_MULTIPLIERS):
        warm, cold = served_at(trainer.model, data, split, "test", multiplier, (10, 20))
        points.append({"multiplier": multiplier, "warm_ndcg@10": warm["ndcg@10"], "warm_recall@20": warm["recall@20"],
                       "cold_recall@20": cold["recall@20"]})
        print(json.dumps(points[-1]), flush=True)
    (run_dir / "frontier.json").write_text(json.dumps(points, indent=1))


if __name__ == "__main__":
    main()
