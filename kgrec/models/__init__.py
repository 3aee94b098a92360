"""Recommenders behind one contract (:class:`kgrec.models.base.Recommender`)."""

from __future__ import annotations

from kgrec.errors import KgrecError
from kgrec.models.base import Recommender
from kgrec.models.bprmf import BPRMF
from kgrec.models.kgat import KGAT
from kgrec.models.lightgcn import LightGCN
from kgrec.models.pop import Pop

MODELS: dict[str, type[Recommender]] = {"pop": Pop, "bprmf": BPRMF, "lightgcn": LightGCN, "kgat": KGAT}


def model_class(name: str) -> type[Recommender]:
    try:
        return MODELS[name.lower()]
    except KeyError:
        raise KgrecError(f"unknown model {name!r} (choose from {', '.join(MODELS)})") from None
