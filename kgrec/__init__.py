"""kgrec: a knowledge-graph recommender on Neo4j.

The Python API (see docs/API.md) is imported lazily, so ``import kgrec`` and ``kgrec --help`` stay fast::

    import kgrec
    with kgrec.connect() as kg:
        result = kg.train("bprmf", dataset="demo", epochs=2).result
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("connect", "run", "Kgrec", "TrainResult", "TrainOutcome", "Ablation", "Recommendation",
        "Recommendations", "ColdStart", "Loaded", "PipelineResult", "RelationChoice")
_ERRORS = ("KgrecError", "InputError", "NotFoundError", "ModelMismatchError", "CypherError")
_OTHER = {"RunStore": "kgrec.train.runs", "TextEncoder": "kgrec.text", "Encoder": "kgrec.text",
          "ModelVersion": "kgrec.serve.versions", "GraphData": "kgrec.data"}

__all__ = ["__version__", *_API, *_ERRORS, *_OTHER]


def __getattr__(name: str) -> Any:
    """Import the API on first use (PEP 562)."""
    import importlib

    if name in _API:
        module = "kgrec.api"
    elif name in _ERRORS:
        module = "kgrec.errors"
    elif name in _OTHER:
        module = _OTHER[name]
    else:
        raise AttributeError(f"module 'kgrec' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
