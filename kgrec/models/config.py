"""Training configuration with precedence CLI > environment (KGREC_TRAIN_*) > file > defaults."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from kgrec import numbers
from kgrec.errors import KgrecError

ENV_PREFIX = "KGREC_TRAIN_"


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a run; recorded verbatim in ``runs/<id>/config.json``."""

    model: str = "kgat"
    dataset: str = "ml100k"
    seed: int = 2020
    split_seed: int = 2020
    epochs: int = 100
    batch_size: int = 2048
    lr: float = 0.005
    embedding_size: int = 64
    n_layers: int = 2
    reg_weight: float = 1e-4
    dropout: float = 0.0
    patience: int = 10
    eval_every: int = 1
    use_kg: bool = True
    kg_relations: str = "all"         # "all", "auto" (relations with co-consumption lift > 1) or a comma list
    use_text: bool = True
    text_mode: str = "add"            # "add": id embedding + projected text; "replace": text only
    text_model: str = ""              # "" = the offline MiniLM package
    loss: str = "bpr"                 # "bpr" or "softmax" (sampled softmax over cosine scores / temperature)
    n_negatives: int = 1              # uniform negatives per positive
    temperature: float = 0.1          # softmax temperature
    cl_weight: float = 0.0            # > 0 adds XSimGCL-style contrastive regularisation (LightGCN)
    cl_eps: float = 0.1               # noise length per layer for the contrastive views
    cl_temperature: float = 0.2       # InfoNCE temperature of the contrastive loss
    kg_loss_weight: float = 1.0       # > 0 adds the TransR-style KG loss (KGAT; trains its attention)
    kg_batch_size: int = 4096
    kg_min_items: int = 2             # KG-LightGCN: entities must link at least this many items to be used
    kg_max_items: int = 0             # KG-LightGCN: and at most this many (0 = no cap)
    aggregator: str = "light"         # KGAT aggregator: "bi" (bi-interaction) or "light" (parameter-free)
    metapaths: str = ""               # HAN: comma list of symmetric metapaths, e.g. U-I-U,I-E-I,I-U-I
    metapath_top_n: int = 20          # HAN: neighbours kept per node and metapath
    metapath_weight: str = "pathsim"  # HAN: neighbour weight, "pathsim" or "count" (instance count)
    threads: int = 0                  # torch threads; 0 = leave as is (OMP_NUM_THREADS)
    cold_items: float = 0.0           # fraction of items whose train/valid rows move to test (cold-item evaluation)
    negative_pool: str = "warm"       # negatives from "warm" items (with training interactions) or "all" items
    cold_tower: bool = False          # add the item content tower (text + KG) that serves never-interacted items
    cold_dropout: float = 0.2         # with the tower: per batch, this share of items is scored by its content
                                      # tower in a second, gradient-isolated loss (DropoutNet-style)
    cold_scale: float = 0.8           # with the tower, softmax loss: length of content vectors (warm ones are unit)
    cold_warm_tolerance: float = 0.05  # serving: cold items as loud as validation allows at this warm NDCG@10 cost
    conv: str = "sage"                # --model gnn: its layers, "gat", "sage" (GraphSAGE) or "rgcn" (R-GCN)
    gnn_heads: int = 4                # --model gnn --conv gat: attention heads (embedding_size must divide)
    sampler: str = "full"             # LightGCN training: "full" graph per batch or "neighbor" sampled blocks
    fanouts: str = "15,10"            # with sampler neighbor: neighbours per node and layer (-1 = all), DGL order
    distributed: bool = False         # train with DistDGL: partitions, servers and trainers (lightgcn)
    parts: int = 1                    # with distributed: graph partitions (one server + one trainer each)
    part_method: str = "metis"        # with distributed: partitioning, "metis" or "random"
    ks: tuple[int, ...] = field(default=(10, 20))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


FIELD_TYPES = {f.name: f.type for f in fields(TrainConfig)}

# Per-model defaults (tuned on ml-100k *validation* NDCG@10), applied under file/env/CLI values.
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "lightgcn": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2},
    "kgat": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2},
    "kglightgcn": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2},
    "sage": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2, "cold_tower": True},
    "han": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2},   # borrowed from the above, not tuned
    "gnn": {"loss": "softmax", "n_negatives": 64, "temperature": 0.2},   # the same, for every conv
}


def defaults_for(model: str, base: TrainConfig | None = None) -> TrainConfig:
    """``base`` (or the dataclass defaults) with ``model``'s tuned defaults on top."""
    return replace(base or TrainConfig(), model=model, **MODEL_DEFAULTS.get(model.lower(), {}))


def coerce(name: str, raw: Any, origin: str) -> Any:
    """Convert ``raw`` to the type of field ``name``; errors name where the value came from."""
    if name not in FIELD_TYPES:
        raise KgrecError(f"{origin}: unknown training setting {name!r} "
                         f"(known: {', '.join(sorted(FIELD_TYPES))})")
    kind = FIELD_TYPES[name]
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return text in ("1", "true", "yes")
        if kind == "int":
            return numbers.parse_int(_number(raw), path=origin)
        if kind == "float":
            return numbers.parse_float(_number(raw), path=origin)
        if name == "ks":
            values = raw.split(",") if isinstance(raw, str) else raw
            return tuple(numbers.parse_int(_number(v), path=origin) for v in values)
        return str(raw)
    except (TypeError, ValueError):
        raise KgrecError(f"{origin}: setting {name} must be {kind}, got {raw!r}") from None


def _number(raw: Any) -> Any:
    """``raw`` for the finite-number parser (a bool is not a number)."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise TypeError(raw)
    return raw


def read_config_file(path: Path) -> dict[str, Any]:
    """A YAML, JSON or TOML file of settings (a top-level ``train`` table is also accepted)."""
    if not path.exists():
        raise KgrecError(f"{path}: config file not found")
    text = path.read_text()
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        elif path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text) or {}
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise KgrecError(f"{path}: invalid config file: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise KgrecError(f"{path}: config file must hold a mapping of settings")
    return data.get("train", data)


def load_config(cli: dict[str, Any] | None = None, config_file: Path | None = None,
                env: dict[str, str] | None = None, base: TrainConfig | None = None) -> TrainConfig:
    """Merge ``base`` (defaults) < file < KGREC_TRAIN_* env < CLI (``None`` CLI values ignored)."""
    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    if config_file is not None:
        for key, raw in read_config_file(config_file).items():
            values[key] = coerce(key, raw, str(config_file))
    for var, raw in env.items():
        if var.startswith(ENV_PREFIX) and raw != "":
            key = var[len(ENV_PREFIX):].lower()
            values[key] = coerce(key, raw, f"env {var}")
    for key, raw in (cli or {}).items():
        if raw is not None:
            values[key] = coerce(key, raw, f"--{key.replace('_', '-')}")
    model = values.get("model", (base or TrainConfig()).model)
    config = replace(defaults_for(model, base), **values)
    validate(config)
    return config


def sampler_checks(config: TrainConfig) -> list[tuple[bool, str]]:
    """What sampled mini-batch training supports today (LightGCN without extras, a fanout per layer)."""
    if config.sampler != "neighbor":
        return []
    try:
        fanouts = [int(part) for part in config.fanouts.split(",")]
    except ValueError:
        return [(False, f"fanouts must be comma-separated integers, got {config.fanouts!r}")]
    return [(config.model == "lightgcn", f"sampler neighbor is implemented for lightgcn, not {config.model}"),
            (len(fanouts) == config.n_layers, f"fanouts needs one entry per layer ({config.n_layers})"),
            (all(f == -1 or f >= 1 for f in fanouts), "fanouts must be ≥ 1 or -1 (every neighbour)"),
            (config.cl_weight == 0 and not config.cold_tower, "sampler neighbor does not combine with "
                                                              "cl_weight or cold_tower yet")]


DISTRIBUTED_MODELS = ("lightgcn",)


def distributed_checks(config: TrainConfig) -> list[tuple[bool, str]]:
    """What DistDGL training supports today (LightGCN id embeddings over neighbour-sampled blocks)."""
    checks = [(config.parts >= 1, "parts must be ≥ 1"),
              (config.part_method in ("metis", "random"), "part_method must be metis or random")]
    if not config.distributed:
        return checks
    try:
        fanouts = [int(part) for part in config.fanouts.split(",")]
    except ValueError:
        return [*checks, (False, f"fanouts must be comma-separated integers, got {config.fanouts!r}")]
    return [*checks,
            (config.model in DISTRIBUTED_MODELS, f"distributed training is implemented for "
             f"{', '.join(DISTRIBUTED_MODELS)}, not {config.model}"),
            (not config.cold_tower, "distributed training has no content tower (cold_tower)"),
            (config.cl_weight == 0, "distributed training has no contrastive option (cl_weight must be 0)"),
            (len(fanouts) == config.n_layers, f"fanouts needs one entry per layer ({config.n_layers})"),
            (all(f == -1 or f >= 1 for f in fanouts), "fanouts must be ≥ 1 or -1 (every neighbour)")]


def validate(config: TrainConfig) -> None:
    checks = [(config.epochs >= 1, "epochs must be ≥ 1"), (config.batch_size >= 1, "batch_size must be ≥ 1"),
              (config.lr > 0, "lr must be > 0"), (config.embedding_size >= 1, "embedding_size must be ≥ 1"),
              (config.n_layers >= 0, "n_layers must be ≥ 0"), (config.patience >= 1, "patience must be ≥ 1"),
              (config.text_mode in ("add", "replace"), "text_mode must be add or replace"),
              (config.aggregator in ("bi", "light"), "aggregator must be bi or light"),
              (config.loss in ("bpr", "softmax"), "loss must be bpr or softmax"),
              (config.n_negatives >= 1, "n_negatives must be ≥ 1"), (config.temperature > 0, "temperature must be > 0"),
              (0 <= config.dropout < 1, "dropout must be in [0, 1)"),
              (0 <= config.cold_items < 1, "cold_items must be in [0, 1)"),
              (0 <= config.cold_dropout < 1, "cold_dropout must be in [0, 1)"),
              (config.cold_scale > 0, "cold_scale must be > 0"),
              (0 <= config.cold_warm_tolerance <= 1, "cold_warm_tolerance must be in [0, 1]"),
              (not (config.cold_tower and config.model == "kgat" and config.aggregator == "bi"),
               "cold_tower needs item vectors of embedding_size: use aggregator light with kgat"),
              (not (config.cold_tower and config.model in ("pop", "bprmf", "textknn", "han")),
               f"cold_tower is an option of lightgcn, kglightgcn, kgat, gnn and sage, not {config.model}"),
              (config.negative_pool in ("warm", "all"), "negative_pool must be warm or all"),
              (config.metapath_top_n >= 1, "metapath_top_n must be ≥ 1"),
              (config.metapath_weight in ("pathsim", "count"), "metapath_weight must be pathsim or count"),
              (config.kg_relations.strip() != "", "kg_relations must be all, auto or a comma-separated list"),
              (config.sampler in ("full", "neighbor"), "sampler must be full or neighbor"),
              (config.conv in ("gat", "sage", "rgcn"), "conv must be gat, sage or rgcn"),
              (config.gnn_heads >= 1 and config.embedding_size % config.gnn_heads == 0,
               "gnn_heads must divide embedding_size"),
              *sampler_checks(config), *distributed_checks(config)]
    for ok, message in checks:
        if not ok:
            raise KgrecError(f"invalid training config: {message}")
