"""Write kgrec's exact split as RecBole pre-split atomic files.

    python benchmarks/recbole/write_atomic.py --graph GRAPH_DIR --split SPLIT.npz --out DIR [--name ml-100k]

GRAPH_DIR is a saved ``kgrec.data.GraphData``; SPLIT.npz holds the interaction indices ``train``,
``valid`` and ``test`` (what ``kgrec.train.split.make_split`` returns). The output directory
``DIR/<name>/`` gets ``<name>.train.inter``, ``.valid.inter``, ``.test.inter`` (RecBole reads them with
``benchmark_filename: [train, valid, test]``), ``.item``, and when the graph has KG edges, ``.kg`` and
``.link``. Items appear in ``.kg`` under the token ``item::<item id>`` and ``.link`` maps every such
item to it, so the KG is the graph's own KG.

Unlinked items. When RecBole builds a dataset from one ``.inter`` file, its knowledge-aware datasets
drop every item without a ``.link`` row whose entity occurs in ``.kg``, and those items' interactions
(ml-100k: 1,598 of 1,682 items, 97,554 of 100,000 interactions). With ``benchmark_filename`` RecBole
skips ``_data_filtering`` altogether (recbole/data/dataset/dataset.py: ``if self.benchmark_filename_list
is None: self._data_filtering()``), so KGAT/KGIN keep every item and every interaction of the split;
items without KG edges are simply entities without triples. ``.link`` lists only items with KG edges.
``pad_unlinked`` (off by default) instead gives each unlinked item one self-loop triple
``item::<id> --kgrec.self--> item::<id>``, for RecBole models that need every item in the KG.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

PADDING_RELATION = "kgrec.self"
INTER_HEADER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"


def external_id(key: str) -> str:
    """``ml-100k:242`` -> ``242`` (the id after the dataset prefix)."""
    return str(key).split(":", 1)[1] if ":" in str(key) else str(key)


def write_atomic(data, split: dict[str, np.ndarray], out_dir: Path, name: str,
                 pad_unlinked: bool = False) -> dict:
    """Write the atomic files for ``data`` (a GraphData) and ``split``; return a manifest."""
    target = out_dir / name
    target.mkdir(parents=True, exist_ok=True)
    users = [external_id(k) for k in data.keys["User"]]
    items = [external_id(k) for k in data.keys["Item"]]
    _check_split(split, len(data.interactions))
    for part in ("train", "valid", "test"):
        _write_inter(target / f"{name}.{part}.inter", data, np.asarray(split[part]), users, items)
    _write_items(target / f"{name}.item", data, items)
    padded = _write_kg(target, name, data, items, pad_unlinked) if data.kg else 0
    files = sorted(p for p in target.iterdir() if p.is_file())
    return {"dir": str(target), "padded_items": padded,
            "rows": {part: int(len(split[part])) for part in ("train", "valid", "test")},
            "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}}


def _check_split(split: dict[str, np.ndarray], total: int) -> None:
    parts = [np.asarray(split[p], dtype=np.int64) for p in ("train", "valid", "test")]
    joined = np.concatenate(parts)
    if len(np.unique(joined)) != len(joined):
        raise ValueError("split parts overlap: an interaction index appears twice")
    if len(joined) and (joined.min() < 0 or joined.max() >= total):
        raise ValueError(f"split indices out of range 0..{total - 1}")


def _write_inter(path: Path, data, rows: np.ndarray, users: list[str], items: list[str]) -> None:
    pairs, weights, stamps = data.interactions[rows], data.weights[rows], data.timestamps[rows]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(INTER_HEADER)
        handle.writelines(f"{users[u]}\t{items[i]}\t{w:g}\t{t}\n"
                          for (u, i), w, t in zip(pairs, weights, stamps, strict=True))


def _write_items(path: Path, data, items: list[str]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("item_id:token\n")
        handle.writelines(f"{item}\n" for item in items)


def _entity_tokens(data, items: list[str]) -> dict[str, list[str]]:
    tokens = {"Item": [f"item::{i}" for i in items]}
    tokens["Entity"] = [external_id(k) for k in data.keys.get("Entity", [])]
    tokens["User"] = [f"user::{external_id(k)}" for k in data.keys.get("User", [])]
    return tokens


def _write_kg(target: Path, name: str, data, items: list[str], pad_unlinked: bool) -> int:
    tokens = _entity_tokens(data, items)
    in_kg = np.zeros(len(items), dtype=bool)
    with (target / f"{name}.kg").open("w", encoding="utf-8") as handle:
        handle.write("head_id:token\trelation_id:token\ttail_id:token\n")
        for (src, rtype, dst), pairs in sorted(data.kg.items()):
            relation = data.relation_names.get(rtype, rtype)
            handle.writelines(f"{tokens[src][h]}\t{relation}\t{tokens[dst][t]}\n" for h, t in pairs)
            for label, column in ((src, 0), (dst, 1)):
                if label == "Item" and len(pairs):
                    in_kg[pairs[:, column]] = True
        padded = np.flatnonzero(~in_kg) if pad_unlinked else np.zeros(0, np.int64)
        handle.writelines(f"item::{items[i]}\t{PADDING_RELATION}\titem::{items[i]}\n" for i in padded)
    linked = np.arange(len(items)) if pad_unlinked else np.flatnonzero(in_kg)
    with (target / f"{name}.link").open("w", encoding="utf-8") as handle:
        handle.write("item_id:token\tentity_id:token\n")
        handle.writelines(f"{items[i]}\titem::{items[i]}\n" for i in linked)
    return int(len(padded))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", type=Path, required=True, help="saved GraphData directory")
    parser.add_argument("--split", type=Path, required=True, help=".npz with train/valid/test indices")
    parser.add_argument("--out", type=Path, required=True, help="output root (files go to OUT/NAME/)")
    parser.add_argument("--name", default=None, help="dataset name (default: the graph's)")
    parser.add_argument("--pad-unlinked", action="store_true",
                        help="give items without KG edges a self-loop triple so every item is linked")
    args = parser.parse_args(argv)
    from kgrec.data import GraphData

    data = GraphData.load(args.graph)
    with np.load(args.split) as z:
        split = {p: z[p] for p in ("train", "valid", "test")}
    manifest = write_atomic(data, split, args.out, args.name or data.dataset, args.pad_unlinked)
    json.dump(manifest, sys.stdout, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
