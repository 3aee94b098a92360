"""Recommenders behind one contract (:class:`kgrec.models.base.Recommender`).

Model classes are imported on first use, so ``kgrec.models.config`` (and every CLI command that is not
training) does not pay for importing torch and DGL.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from kgrec.errors import KgrecError

if TYPE_CHECKING:
    import numpy as np

    from kgrec.data import GraphData
    from kgrec.models.base import Recommender, TextFeatures
    from kgrec.models.config import TrainConfig

MODELS: dict[str, str] = {"pop": "kgrec.models.pop:Pop", "bprmf": "kgrec.models.bprmf:BPRMF",
                          "lightgcn": "kgrec.models.lightgcn:LightGCN", "kgat": "kgrec.models.kgat:KGAT",
                          "kglightgcn": "kgrec.models.kglightgcn:KGLightGCN", "sage": "kgrec.models.sage:SAGE",
                          "textknn": "kgrec.models.textknn:TextKNN", "han": "kgrec.models.han:HAN",
                          "gnn": "kgrec.models.gnn:GNN"}


def build_model(data: GraphData, train_idx: np.ndarray, config: TrainConfig,
                text: TextFeatures | None = None) -> Recommender:
    """The configured model, with its item content tower attached when ``cold_tower`` is on."""
    model = model_class(config.model)(data, train_idx, config, text)
    model.attach_tower(data, train_idx, text)
    return model


def model_class(name: str) -> type[Recommender]:
    try:
        module, cls = MODELS[name.lower()].split(":")
    except KeyError:
        raise KgrecError(f"unknown model {name!r} (choose from {', '.join(MODELS)})") from None
    return getattr(import_module(module), cls)
