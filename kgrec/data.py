"""The in-memory contract between Neo4j export and training: plain numpy arrays.

``GraphData`` is what :mod:`kgrec.export` yields from the graph and what
:mod:`kgrec.graph` turns into a DGL heterograph. Node indices are contiguous per label and
``keys[label][i]`` is the node's ``key`` property in Neo4j, so write-back can map back.
It is persisted (``save``/``load``) so a run can be re-opened without re-exporting.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

LABELS = ("User", "Item", "Entity")
SPLIT_CODES = {"train": 0, "valid": 1, "test": 2}  # -1: not pre-split
EdgeType = tuple[str, str, str]  # (src label, relationship type, dst label), as DGL canonical etypes


@dataclass
class GraphData:
    dataset: str
    keys: dict[str, np.ndarray]                      # label -> (n,) str, index order
    interactions: np.ndarray                         # (m, 2) int64: user index, item index
    weights: np.ndarray                              # (m,) float32: rating or weight (1.0 if none)
    timestamps: np.ndarray                           # (m,) int64: epoch seconds (0 if none)
    splits: np.ndarray                               # (m,) int8: SPLIT_CODES or -1
    kg: dict[EdgeType, np.ndarray] = field(default_factory=dict)  # etype -> (k, 2) int64
    relation_names: dict[str, str] = field(default_factory=dict)  # rel type -> original name
    social: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))  # user-user
    texts: dict[str, np.ndarray] = field(default_factory=dict)    # label -> (n,) object, None if absent
    # metapath neighbour relations (kgrec.metapath_edges): name -> (k, 2) [node, neighbour] indices of the
    # metapath's end label, and their (k,) weights; derived from the training split, so not in checksum()
    metapaths: dict[str, np.ndarray] = field(default_factory=dict)
    metapath_weights: dict[str, np.ndarray] = field(default_factory=dict)
    metapath_info: dict = field(default_factory=dict)             # MetapathInfo.to_dict(), {} if none

    def num_nodes(self, label: str) -> int:
        return len(self.keys.get(label, ()))

    @property
    def num_users(self) -> int:
        return self.num_nodes("User")

    @property
    def num_items(self) -> int:
        return self.num_nodes("Item")

    def checksum(self) -> str:
        """sha256 over keys and edges: identifies exactly what was trained on."""
        h = hashlib.sha256(self.dataset.encode())
        for label in LABELS:
            for key in self.keys.get(label, ()):
                h.update(str(key).encode() + b"\0")
        for arr in (self.interactions, self.weights, self.timestamps, self.splits, self.social):
            h.update(np.ascontiguousarray(arr).tobytes())
        for etype in sorted(self.kg):
            h.update("|".join(etype).encode())
            h.update(np.ascontiguousarray(self.kg[etype]).tobytes())
        return h.hexdigest()

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"interactions": self.interactions, "weights": self.weights,
                  "timestamps": self.timestamps, "splits": self.splits, "social": self.social}
        for label, keys in self.keys.items():
            arrays[f"keys__{label}"] = np.asarray(keys, dtype=str)
        for i, etype in enumerate(sorted(self.kg)):
            arrays[f"kg__{i}"] = self.kg[etype]
        for i, name in enumerate(self.metapaths):
            arrays[f"mp__{i}"], arrays[f"mpw__{i}"] = self.metapaths[name], self.metapath_weights[name]
        np.savez_compressed(directory / "graph.npz", **arrays)
        meta = {"dataset": self.dataset, "etypes": [list(e) for e in sorted(self.kg)],
                "relation_names": self.relation_names, "checksum": self.checksum(),
                "metapaths": list(self.metapaths), "metapath_info": self.metapath_info,
                "texts": {label: [None if t is None else str(t) for t in texts]
                          for label, texts in self.texts.items()}}
        (directory / "graph.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, directory: Path) -> GraphData:
        meta = json.loads((directory / "graph.json").read_text())
        with np.load(directory / "graph.npz") as z:
            keys = {k.split("__", 1)[1]: z[k] for k in z.files if k.startswith("keys__")}
            kg = {tuple(e): z[f"kg__{i}"] for i, e in enumerate(meta["etypes"])}
            data = cls(meta["dataset"], keys, z["interactions"], z["weights"], z["timestamps"],
                       z["splits"], kg, meta["relation_names"], z["social"],
                       {label: np.array(t, dtype=object) for label, t in meta["texts"].items()})
            names = meta.get("metapaths", [])
            data.metapaths = {name: z[f"mp__{i}"] for i, name in enumerate(names)}
            data.metapath_weights = {name: z[f"mpw__{i}"] for i, name in enumerate(names)}
            data.metapath_info = meta.get("metapath_info", {})
        return data
