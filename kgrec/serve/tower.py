"""An inductive model's item tower at serving time: embeds items added after training.

The trained function (``tower.npz``, saved with the run by models that have one, e.g. ``sage``) is
``x = text · W + Σ_r w_r · mean of the inputs of the item's r-neighbours``; the item's vector is ``x``,
L2-normalised when the model was trained with the softmax loss, times the model's ``scale``.
Neighbours unknown to the run (new entities) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgrec.data import GraphData
from kgrec.errors import KgrecError

TOWER_FILE = "tower.npz"


@dataclass(frozen=True)
class ItemTower:
    text_projection: np.ndarray            # (text dim, d); (0, d) when trained without text
    inputs: dict[str, dict[str, np.ndarray]]   # label -> key -> input vector
    relation_weights: dict[str, float]
    scale: float
    normalize: bool

    @classmethod
    def load(cls, run_dir: Path, graph: GraphData) -> ItemTower | None:
        """The run's tower, or None when its model has none."""
        path = Path(run_dir) / TOWER_FILE
        if not path.exists():
            return None
        with np.load(path) as z:
            inputs = {label: dict(zip((str(k) for k in graph.keys.get(label, ())), z[array], strict=False))
                      for label, array in (("Item", "item_inputs"), ("Entity", "entity_inputs"))}
            weights = dict(zip((str(r) for r in z["relations"]), z["relation_weights"].tolist(), strict=True))
            return cls(z["text_projection"], inputs, weights, float(z["scale"]), bool(z["normalize"]))

    @property
    def text_dim(self) -> int:
        return int(self.text_projection.shape[0])

    @property
    def dim(self) -> int:
        return int(self.text_projection.shape[1])

    def embed(self, text_vec: np.ndarray | None, neighbours: list[dict]) -> np.ndarray | None:
        """One item's vector from its text vector and ``{rel, key, label}`` neighbours (None: nothing known)."""
        x = np.zeros(self.dim, np.float64)
        known = False
        if text_vec is not None and self.text_dim:
            text_vec = np.asarray(text_vec, np.float64)
            if text_vec.shape != (self.text_dim,):
                raise KgrecError(f"text vector of dimension {text_vec.shape[-1]} for a tower trained on "
                                 f"{self.text_dim}-d text", hint="encode with the text model the run used")
            x += text_vec @ self.text_projection
            known = True
        by_relation: dict[str, list[np.ndarray]] = {}
        for n in neighbours:
            vector = self.inputs.get(n["label"], {}).get(n["key"])
            if vector is not None and n["rel"] in self.relation_weights:
                by_relation.setdefault(n["rel"], []).append(vector)
        for rel, vectors in by_relation.items():
            x += self.relation_weights[rel] * np.mean(vectors, axis=0)
            known = True
        if not known:
            return None
        if self.normalize:
            x /= max(np.linalg.norm(x), 1e-12)
        return (x * self.scale).astype(np.float32)
