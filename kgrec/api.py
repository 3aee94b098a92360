"""The Python API: one object holding the connection, one call for the whole pipeline.

>>> import kgrec
>>> kg = kgrec.connect()                         # same settings precedence as the CLI
>>> kg.load("synthetic", users=40, items=60, events=600, dataset="demo")
>>> result = kg.train("bprmf", dataset="demo", epochs=2)
>>> kg.write_back(result.run_id)
>>> kg.recommend("u1", k=5, explain=True).items[0].explanation

Every CLI command is argument parsing plus one call here; output rendering stays in the CLI.
Errors are :class:`kgrec.errors.KgrecError` subclasses (Cypher errors become
:class:`~kgrec.errors.CypherError`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kgrec.errors import KgrecError, NotFoundError, cypher_errors
from kgrec.settings import Settings, load_settings
from kgrec.train.runs import RunStore

if TYPE_CHECKING:
    from kgrec.data import GraphData
    from kgrec.db import Graph
    from kgrec.ingest.loader import LoadReport
    from kgrec.ingest.validate import RawDataset
    from kgrec.kg_quality import KgQualityReport
    from kgrec.models.config import TrainConfig
    from kgrec.privacy import ForgetReport
    from kgrec.serve.events import IngestResult
    from kgrec.serve.tower import ItemTower
    from kgrec.serve.versions import ModelVersion
    from kgrec.text import TextEncoder
    from kgrec.train.distributed import DistPlan
    from kgrec.train.split import Split
    from kgrec.train.trainer import Reporter

F = TypeVar("F", bound=Callable[..., Any])
TextProgress = Callable[[int], None]
WriteProgress = Callable[[str, int, int], None]
TEST_METRICS = ("recall@10", "ndcg@10", "hit@10", "mrr@10", "recall@20", "ndcg@20")
SOURCES = ("synthetic", "recbole", "csv", "lastfm", "ml100k")
ABLATION = ("full", "no-kg", "no-text")


def translated(method: F) -> F:
    """Run ``method`` with Neo4j's ClientError turned into a one-line :class:`CypherError`."""
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with cypher_errors():
            return method(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class TrainResult:
    """One finished training run: where it lives and its metrics at the best validation epoch."""

    run_id: str
    run_dir: Path
    model: str
    dataset: str
    variant: str
    best_epoch: int
    test: dict[str, float]
    valid: dict[str, float]
    wall_seconds: float
    split_id: str
    test_cold: dict[str, float] = field(default_factory=dict)   # test rows of items without training rows
    test_warm: dict[str, float] = field(default_factory=dict)   # the other test rows

    @classmethod
    def from_metrics(cls, run_dir: Path, metrics: dict[str, Any], variant: str = "") -> TrainResult:
        return cls(run_dir.name, run_dir, metrics["model"], metrics["dataset"], variant or metrics["model"],
                   int(metrics["best_epoch"]), dict(metrics["test"]), dict(metrics["valid"]),
                   float(metrics["wall_seconds"]), str(metrics["split_id"]),
                   dict(metrics.get("test_cold", {})), dict(metrics.get("test_warm", {})))

    def row(self) -> dict[str, Any]:
        """The summary row the CLI prints: variant, run, best epoch, test metrics (and cold-item / warm
        Recall@20 and NDCG@20 when the test has cold-item rows), wall time."""
        row = {"variant": self.variant, "run": self.run_id, "best_epoch": self.best_epoch,
               **{k: self.test.get(k) for k in TEST_METRICS}}
        if self.test_cold:
            row |= {f"{part}_{k}": metrics.get(k) for part, metrics in (("cold", self.test_cold),
                                                                        ("warm", self.test_warm))
                    for k in ("recall@20", "ndcg@20")}
        return row | {"wall_s": self.wall_seconds}


@dataclass(frozen=True)
class RelationChoice:
    """What ``kg_relations`` kept (``report``: the lift table when it was ``auto``)."""

    choice: str
    kept: list[str]
    before: list[str]
    report: KgQualityReport | None = None


@dataclass(frozen=True)
class TrainOutcome:
    """:meth:`Kgrec.train` with the KG relation selection it applied (None for ``all``)."""

    result: TrainResult
    relations: RelationChoice | None = None


@dataclass(frozen=True)
class Ablation:
    """Full / no-KG / no-text variants of one model trained on the same split."""

    model: str
    dataset: str
    split_id: str
    results: list[TrainResult]
    relations: RelationChoice | None = None

    def rows(self) -> list[dict[str, Any]]:
        return [r.row() for r in self.results]


@dataclass(frozen=True)
class Recommendation:
    """One recommended (or similar) item; ``explanation``/``paths`` are filled when explained."""

    rank: int
    id: str
    key: str
    title: str | None
    year: int | None
    score: float
    explanation: list[str] | None = None
    paths: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The public JSON shape (no internal key; explanation fields only when explained)."""
        out = {"rank": self.rank, "id": self.id, "title": self.title, "year": self.year, "score": self.score}
        if self.explanation is not None:
            out |= {"explanation": self.explanation, "paths": self.paths}
        return out


@dataclass(frozen=True)
class Recommendations:
    """Top-K for one user under one model version."""

    user: str
    model: str
    items: list[Recommendation]

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "model": self.model, "items": [i.to_dict() for i in self.items]}


@dataclass(frozen=True)
class ColdStart:
    version: str
    items: int
    users: int
    skipped: list[str] = field(default_factory=list)
    method: str = "text map"     # how items were embedded: "item tower" (the model's own) or "text map"


@dataclass(frozen=True)
class Loaded:
    """A validated and loaded dataset: what was validated and what the load wrote."""

    dataset: str
    validated: dict[str, int]
    report: LoadReport
    kg_warning: str | None = None


@dataclass(frozen=True)
class PipelineResult:
    """:func:`run`: the load (if any), the training run, the written-back version, sample recommendations."""

    train: TrainResult
    version: ModelVersion | None
    loaded: Loaded | None = None
    recommendations: Recommendations | None = None


# ---------------------------------------------------------------- helpers


def read_source(source: str, settings: Settings, **options: Any) -> RawDataset:
    """Parse (not yet validate) a dataset: ``synthetic`` (users, items, events, seed, dataset), ``recbole``
    (directory, name, dataset), ``csv`` (spec, dataset), ``lastfm`` and ``ml100k`` (from_dir, dataset; files
    resolve from ``from_dir``, ``KGREC_DATA_DIR``, the home cache, then a download: :mod:`kgrec.datasets`)."""
    if source == "synthetic":
        from kgrec.ingest.synthetic import generate

        return generate(options.get("users", 100), options.get("items", 200), options.get("events", 2000),
                        options.get("seed", 0), options.get("dataset") or "synthetic")
    if source == "recbole":
        from kgrec.ingest.recbole import read_dataset

        return read_dataset(Path(options["directory"]), options.get("name"), options.get("dataset"))
    if source == "csv":
        from kgrec.ingest.csvspec import read_csv_spec

        return read_csv_spec(Path(options["spec"]), options.get("dataset"))
    if source == "lastfm":
        from kgrec import datasets
        from kgrec.ingest.lastfm import read_lastfm

        directory = datasets.resolve("lastfm", settings, _optional_path(options.get("from_dir")))
        return read_lastfm(directory, options.get("dataset") or "lastfm", check_sums=False)
    if source == "ml100k":
        from kgrec import datasets
        from kgrec.ingest.ml100k_bridge import rekey_links
        from kgrec.ingest.recbole import read_dataset

        directory = datasets.resolve("ml100k", settings, _optional_path(options.get("from_dir")))
        raw = read_dataset(directory, "ml-100k", options.get("dataset") or "ml100k")
        rekey_links(raw)
        return raw
    raise KgrecError(f"unknown source {source!r}", hint=f"use one of: {', '.join(SOURCES)}")


def _say(message: str) -> None:
    """A progress line of the bulk load (``show_progress=True``)."""
    from rich.console import Console

    Console().print(message, markup=False, highlight=False)


def _optional_path(value: Path | str | None) -> Path | None:
    return Path(value) if value is not None else None


def item_row(rank: int, row: dict[str, Any], paths: list[dict[str, Any]] | None = None,
             explained: bool = False) -> Recommendation:
    """A :class:`Recommendation` from a ``recommend/*`` row (+ its explanation paths)."""
    from kgrec.serve import recommend

    explanation = public = None
    if explained:
        paths = paths or []
        explanation = [recommend.describe(p, row["title"]) for p in paths]
        public = [recommend.public_path(p) for p in paths]
    return Recommendation(rank, str(row["id"]), str(row["key"]), row["title"], row["year"],
                          round(float(row["score"]), 4), explanation, public)


def metapath_variants(base: TrainConfig) -> list[tuple[str, TrainConfig]]:
    """HAN ablation: ``full`` and ``no-<metapath>`` for each metapath of ``base``."""
    from kgrec.metapath_edges import split_names

    names = split_names(base.metapaths)
    return [("full", base)] + [(f"no-{name}", replace(base, metapaths=",".join(n for n in names if n != name)))
                               for name in names]


# ---------------------------------------------------------------- the client


class Kgrec:
    """A kgrec session: settings, a lazily opened Neo4j connection, the run store and the text encoder.

    Use as a context manager (or call :meth:`close`). Nothing connects to Neo4j until a method needs it,
    so training from a saved graph works without a server.
    """

    def __init__(self, settings: Settings, runs: RunStore | None = None,
                 encoder: TextEncoder | str | None = None) -> None:
        self.settings = settings
        self.runs = runs or RunStore()
        self._encoder = encoder
        self._graph: Graph | None = None

    def __repr__(self) -> str:
        return f"Kgrec(uri={self.settings.effective_uri!r}, runs={str(self.runs.root)!r})"

    def __enter__(self) -> Kgrec:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the Neo4j connection (if one was opened)."""
        if self._graph is not None:
            self._graph.close()
            self._graph = None

    @property
    def graph(self) -> Graph:
        """The open :class:`kgrec.db.Graph` (connects on first use)."""
        if self._graph is None:
            from kgrec.db import Graph

            self._graph = Graph(self.settings).__enter__()
        return self._graph

    @property
    def text_cache(self) -> Path:
        """Where encoded text vectors are cached (``<home>/text-cache``)."""
        return self.settings.home / "text-cache"

    def encoder(self, model: str | None = None, batch_size: int = 64) -> TextEncoder:
        """The injected encoder, else the sentence-transformers encoder of ``model`` ("" = MiniLM)."""
        from kgrec.text import Encoder

        if self._encoder is not None and not isinstance(self._encoder, str):
            return self._encoder
        name = model if model is not None else (self._encoder or "")
        return Encoder(name, batch_size)

    # ------------------------------------------------------------ data in and out

    @translated
    def load(self, source: str | RawDataset, /, *, batch_size: int | None = None, show_progress: bool = False,
             bulk: bool = False, **options: Any) -> Loaded:
        """Validate a whole dataset, then MERGE it in batches (idempotent). ``source`` is a name
        (see :func:`read_source` for its options) or an already parsed :class:`RawDataset`;
        ``show_progress`` draws the loader's progress bars (the CLI does).

        ``bulk=True`` is a first load through Neo4j's own importer (:mod:`kgrec.ingest.bulk`): the same
        graph, written offline into the empty database of the managed server, which is stopped and started
        again. It refuses (before reading the input) a server kgrec does not manage or a database with data."""
        import time

        from kgrec import kg_quality
        from kgrec.ingest.loader import DEFAULT_BATCH, load_plan
        from kgrec.ingest.validate import validate

        if bulk:
            from kgrec.ingest.bulk import bulk_load, check_target

            check_target(self.settings)
        started = time.perf_counter()
        raw = read_source(source, self.settings, **options) if isinstance(source, str) else source
        plan = validate(raw)
        if bulk:
            parsed = time.perf_counter() - started
            self.close()                # the server restarts: no pooled connection would survive it
            report = bulk_load(self.settings, plan, say=_say if show_progress else None)
            report.phases = {"parse + validate": parsed, **report.phases}
        else:
            report = load_plan(self.graph, plan, batch_size=batch_size or DEFAULT_BATCH,
                               show_progress=show_progress)
        warning = kg_quality.lift_warning(self.graph, plan.name) if plan.triples else None
        return Loaded(plan.name, plan.counts(), report, warning)

    @translated
    def export(self, dataset: str) -> GraphData:
        """``dataset`` exported from Neo4j as :class:`GraphData` (refuses an empty dataset)."""
        from kgrec.export import export_graph

        data = export_graph(self.graph, dataset)
        if data.num_users == 0 or len(data.interactions) == 0:
            raise NotFoundError(f"dataset {dataset!r} has no users or interactions in Neo4j",
                                hint=f"load it first, e.g. `kgrec load {dataset}`")
        return data

    def graph_data(self, dataset: str, from_graph: Path | str | None = None) -> GraphData:
        """A saved :class:`GraphData` directory when ``from_graph`` is given, else :meth:`export`."""
        from kgrec.data import GraphData

        if from_graph is None:
            return self.export(dataset)
        if not (Path(from_graph) / "graph.json").exists():
            raise NotFoundError(f"{from_graph}: not a saved graph (graph.json missing)")
        return GraphData.load(Path(from_graph))

    @translated
    def encode_text(self, model: str | None = None, dataset: str | None = None, batch_size: int = 64,
                    progress: TextProgress | None = None) -> dict[str, dict[str, int | float]]:
        """Encode Item.text, Entity.name and User.text into ``text_vec`` (cached); counts per label."""
        from kgrec.text import encode_graph_text

        report = encode_graph_text(self.graph, self.text_cache, self.encoder(model, batch_size), dataset,
                                   batch_size, progress)
        if not report:
            raise NotFoundError("no node text found to encode", hint="load a dataset first")
        return report

    def text_features(self, data: GraphData, config: TrainConfig, progress: TextProgress | None = None):
        """Per-label text vectors for training (None without text or with ``use_text`` off)."""
        if not config.use_text or not any(t is not None for texts in data.texts.values() for t in texts):
            return None
        from kgrec.text import graph_text_features

        return graph_text_features(data, self.text_cache, self.encoder(config.text_model), progress)

    # ------------------------------------------------------------ training

    @staticmethod
    def config(config_file: Path | str | None = None, **settings: Any) -> TrainConfig:
        """Training settings: ``settings`` > KGREC_TRAIN_* env > ``config_file`` > per-model defaults."""
        from kgrec.models.config import load_config

        return load_config(settings, Path(config_file) if config_file else None)

    @staticmethod
    def select_relations(data: GraphData, config: TrainConfig) -> tuple[GraphData, RelationChoice | None]:
        """Apply ``kg_relations``: all, auto (lift above 1 on the training split) or a comma list."""
        if config.kg_relations.strip().lower() == "all":
            return data, None
        from kgrec.kg_quality import select_relations
        from kgrec.train.split import split_for

        auto = config.kg_relations.strip().lower() == "auto"
        train_idx = split_for(data, config).train if auto else None
        before = sorted({rel for _, rel, _ in data.kg})
        data, kept, report = select_relations(data, config.kg_relations, train_idx, seed=config.seed)
        return data, RelationChoice(config.kg_relations, list(kept), before, report)

    def train(self, model: str | None = None, dataset: str | None = None, *, config_file: Path | str | None = None,
              from_graph: Path | str | None = None, data: GraphData | None = None, reporter: Reporter | None = None,
              text_progress: TextProgress | None = None, **settings: Any) -> TrainOutcome:
        """Train a model on ``dataset`` (exported from Neo4j, a saved graph or ``data``) and record the run.

        ``settings`` are training settings (epochs, seed, lr, use_kg, use_text, kg_relations, …)."""
        config = self.config(config_file, model=model, dataset=dataset, **settings)
        data = data if data is not None else self.graph_data(config.dataset, from_graph)
        data, relations = self.select_relations(data, config)
        data, split = self.with_metapaths(data, config)
        return TrainOutcome(self._train(data, config, split, reporter=reporter, text_progress=text_progress),
                            relations)

    def with_metapaths(self, data: GraphData, config: TrainConfig) -> tuple[GraphData, Split | None]:
        """For ``metapaths`` (HAN): the run's split and ``data`` with the metapath neighbours materialised in
        Neo4j from that split's *training* interactions (reused when ``data`` already holds them for it)."""
        wanted = config.metapaths.strip()
        is_han = config.model.lower() == "han"
        if not wanted:
            if is_han:
                raise KgrecError("--model han needs --metapaths", hint="e.g. --metapaths U-I-U,I-E-I,I-U-I")
            return data, None
        if not is_han:
            raise KgrecError(f"--metapaths is used by --model han only (not {config.model})")
        from kgrec.metapath_edges import is_current, materialise, split_names
        from kgrec.train.split import split_for

        split = split_for(data, config)        # with --cold-items, cold items have no training pair here
        if not is_current(data, split_names(wanted), config.metapath_top_n, config.metapath_weight, split.split_id):
            with cypher_errors():
                data = materialise(self.graph, data, wanted, split.train, split.split_id, config.metapath_top_n,
                                   config.metapath_weight)
        return data, split

    def _train(self, data: GraphData, config: TrainConfig, split: Split | None = None, tag: str = "",
               reporter: Reporter | None = None, text_progress: TextProgress | None = None) -> TrainResult:
        from kgrec.train import trainer

        if config.distributed:
            from kgrec.train.distributed import train_distributed

            run_dir, metrics = train_distributed(data, config, self.runs.root, split, tag, reporter)
            return TrainResult.from_metrics(run_dir, metrics, tag)
        text = self.text_features(data, config, text_progress)
        run_dir, metrics = trainer.train_new(data, config, self.runs.root, text, split, tag=tag, reporter=reporter)
        return TrainResult.from_metrics(run_dir, metrics, tag)

    def plan_distributed(self, ip_config: Path | str, model: str | None = None, dataset: str | None = None, *,
                         config_file: Path | str | None = None, from_graph: Path | str | None = None,
                         data: GraphData | None = None, **settings: Any) -> DistPlan:
        """Distributed training on the machines of ``ip_config`` (one ``ip [port]`` line per partition):
        create the run, partition its training graph and return each machine's server and trainer command
        (run them on the machines, then :meth:`finish_distributed`)."""
        from kgrec.train.distributed import plan_distributed

        config = self.config(config_file, model=model, dataset=dataset, distributed=True, **settings)
        data = data if data is not None else self.graph_data(config.dataset, from_graph)
        data, _ = self.select_relations(data, config)
        return plan_distributed(data, config, self.runs.root, Path(ip_config))

    def finish_distributed(self, run: str | Path, reporter: Reporter | None = None) -> TrainResult:
        """Record a distributed job the machines of :meth:`plan_distributed` have finished (metrics,
        embeddings: a normal run)."""
        from kgrec.train.distributed import finish_distributed

        run_dir = self.runs.find(run)
        return TrainResult.from_metrics(run_dir, finish_distributed(run_dir, reporter=reporter))

    def resume(self, run: str | Path, reporter: Reporter | None = None,
               text_progress: TextProgress | None = None) -> TrainResult:
        """Continue a recorded run from its last checkpoint (same config, graph and split)."""
        from kgrec.train import trainer

        run_dir = self.runs.find(run)
        data, config, _ = trainer.load_run(run_dir)
        metrics = trainer.resume(run_dir, self.text_features(data, config, text_progress), reporter)
        return TrainResult.from_metrics(run_dir, metrics)

    def evaluate(self, dataset: str | None = None, cold_items: float | None = None) -> list[dict[str, Any]]:
        """One row per recorded run: test metrics at the best validation epoch (with ``cold_items``:
        the runs trained with that cold-item fraction, plus their cold-item and warm test metrics)."""
        return self.runs.list(dataset, cold_items)

    def ablate(self, model: str = "kgat", dataset: str | None = None, *, config_file: Path | str | None = None,
               from_graph: Path | str | None = None, data: GraphData | None = None,
               reporter: Callable[[str], Reporter] | None = None, **settings: Any) -> Ablation:
        """Train the full / no-KG / no-text variants of ``model`` on one split (HAN: the full model and one
        variant per metapath dropped)."""
        from kgrec.train.split import split_for

        base = self.config(config_file, model=model, dataset=dataset, **settings)
        data = data if data is not None else self.graph_data(base.dataset, from_graph)
        data, relations = self.select_relations(data, base)
        data, split = self.with_metapaths(data, base)
        split = split or split_for(data, base)
        variants = metapath_variants(base) if base.metapaths.strip() else \
            list(zip(ABLATION, (base, replace(base, use_kg=False), replace(base, use_text=False)), strict=True))
        results = [self._train(data, config, split, label, reporter(label) if reporter else None)
                   for label, config in variants]
        return Ablation(base.model, data.dataset, split.split_id, results, relations)

    # ------------------------------------------------------------ serving

    @translated
    def write_back(self, run: str | Path, *, activate: bool = True,
                   progress: WriteProgress | None = None) -> ModelVersion:
        """Write a run's embeddings as a new model version (vectors + vector index); activate it when done."""
        from kgrec.serve import writeback

        return writeback.write_back(self.graph, str(self.runs.find(run)), activate=activate, progress=progress)

    @translated
    def models(self) -> list[dict[str, Any]]:
        """Every written-back version with dataset, run, status and whether it is active."""
        from kgrec.serve import versions

        return versions.list_models(self.graph)

    @translated
    def model(self, version: str | None = None, dataset: str | None = None) -> ModelVersion:
        """Version ``version``, or the active one (of ``dataset``)."""
        from kgrec.serve import versions

        return versions.get_model(self.graph, version=version, dataset=dataset)

    @translated
    def activate(self, version: str) -> dict[str, Any]:
        """Make ``version`` the active version of its dataset (one transaction)."""
        from kgrec.serve import versions

        return versions.activate_version(self.graph, version)

    @translated
    def drop(self, version: str, force: bool = False) -> ModelVersion:
        """Remove a version's vectors, index and model node (an active one only with ``force``)."""
        from kgrec.serve import writeback

        return writeback.drop_version(self.graph, version, force=force)

    @translated
    def recommend(self, user: str, k: int = 10, *, dataset: str | None = None, filters: Iterable[str] = (),
                  explain: bool = False, model: str | None = None) -> Recommendations:
        """Top-``k`` unseen items for ``user`` (id or key) with optional graph filters and path explanations."""
        from kgrec.keys import qualify
        from kgrec.serve import recommend

        version = self.model(model, dataset)
        parsed = recommend.parse_filters(list(filters), version.dataset)
        key = qualify(version.dataset, str(user))
        rows = recommend.recommend(self.graph, version.dataset, key, k, parsed, version=model)
        paths = (recommend.explain(self.graph, version.dataset, key, [r["key"] for r in rows], version=model)
                 if explain and rows else {})
        items = [item_row(n, r, paths.get(r["key"]), explain) for n, r in enumerate(rows, 1)]
        return Recommendations(key, version.version, items)

    @translated
    def similar(self, item: str, k: int = 10, *, dataset: str | None = None,
                model: str | None = None) -> list[Recommendation]:
        """Items whose embeddings score highest against ``item``'s."""
        from kgrec.keys import qualify
        from kgrec.serve import recommend

        if not 1 <= k <= 1000:
            raise KgrecError(f"-k {k}: must be between 1 and 1000")
        version = self.model(model, dataset)
        key = qualify(version.dataset, str(item))
        rows = recommend.similar_items(self.graph, version.dataset, key, k, version=model)
        return [item_row(n, r) for n, r in enumerate(rows, 1)]

    @translated
    def cold_start(self, dataset: str | None = None, text_model: str | None = None) -> ColdStart:
        """Embed new items and new users (fold-in) under the active version. Items go through the model's
        inductive item tower when the version's run has one (and is in this home's runs), else through
        the ridge text map + KG neighbours."""
        from kgrec.serve import coldstart

        version = self.model(dataset=dataset)
        tower, run_text_model = self._item_tower(version)
        encoder = self.encoder(text_model if text_model is not None else run_text_model)
        items, skipped = coldstart.embed_cold_items(self.graph, version, encoder, tower)
        users = coldstart.embed_cold_users(self.graph, version)
        return ColdStart(version.version, items, users, skipped, "item tower" if tower else "text map")

    def _item_tower(self, version: ModelVersion) -> tuple[ItemTower | None, str | None]:
        """(the version's run's item tower or None, the text model that run was trained with)."""
        from kgrec.serve.tower import ItemTower
        from kgrec.train.trainer import load_run

        if not version.run_id:
            return None, None
        try:
            run_dir = self.runs.find(version.run_id)
        except NotFoundError:
            return None, None
        if not (run_dir / "tower.npz").exists():
            return None, None
        data, config, _ = load_run(run_dir)
        return ItemTower.load(run_dir, data), config.text_model

    @translated
    def ingest_events(self, path: Path | str, dataset: str | None = None) -> IngestResult:
        """Append a CSV of events and refresh their users' embeddings, in one transaction."""
        from kgrec.serve import events

        version = self.model(dataset=dataset)
        return events.ingest_events(self.graph, Path(path), version.dataset, version)

    # ------------------------------------------------------------ KG quality and privacy

    @translated
    def kg_check(self, dataset: str | None = None, **options: Any) -> KgQualityReport:
        """KG quality per relation (pairs, resamples, seed): co-consumption lift and genre coherence."""
        from kgrec import kg_quality

        return kg_quality.check(self.graph, dataset, **options)

    @translated
    def forget(self, user: str, dataset: str | None = None,
               runs_dirs: Sequence[Path] | None = None) -> ForgetReport:
        """Erase ``user`` from the graph, the text cache and recorded runs."""
        from kgrec.privacy import forget_user

        roots = [Path(p) for p in runs_dirs] if runs_dirs else [self.runs.root]
        return forget_user(self.graph, user, dataset, self.text_cache, roots)


# ---------------------------------------------------------------- entry points


def connect(uri: str | None = None, user: str | None = None, password: str | None = None,
            database: str | None = None, *, config_file: Path | str | None = None,
            runs_dir: Path | str | None = None, encoder: TextEncoder | str | None = None) -> Kgrec:
    """A :class:`Kgrec` session. Settings: these arguments > NEO4J_* / KGREC_* env > kgrec.toml > defaults.

    ``runs_dir``: where runs are recorded (default ``runs/`` or $KGREC_RUNS_DIR); ``encoder``: a text
    model name or a :class:`~kgrec.text.TextEncoder` used for ``encode_text``, training and cold start."""
    cli = {"uri": uri, "user": user, "password": password, "database": database}
    settings = load_settings(cli=cli, config_file=Path(config_file) if config_file else None)
    return Kgrec(settings, RunStore(Path(runs_dir) if runs_dir else None), encoder)


def run(source: str | None = None, *, model: str = "kgat", dataset: str | None = None,
        recommend_for: str | None = None, k: int = 10, write_back: bool = True, encode_text: bool = True,
        session: Kgrec | None = None, load_options: dict[str, Any] | None = None,
        **train_settings: Any) -> PipelineResult:
    """The whole pipeline in one call: [load ``source``] → encode text → train → write back → [recommend].

    ``source``/``load_options`` as for :meth:`Kgrec.load` (omit to use a dataset already in Neo4j);
    ``train_settings`` as for :meth:`Kgrec.train`. Uses ``session`` or a fresh :func:`connect`."""
    kg = session or connect()
    try:
        loaded = None
        if source is not None:
            loaded = kg.load(source, **({"dataset": dataset} if dataset else {}), **(load_options or {}))
            dataset = loaded.dataset
        if encode_text:
            kg.encode_text(dataset=dataset)
        trained = kg.train(model, dataset, **train_settings).result
        version = kg.write_back(trained.run_dir) if write_back else None
        recs = kg.recommend(recommend_for, k, dataset=trained.dataset) if version and recommend_for else None
        return PipelineResult(trained, version, loaded, recs)
    finally:
        if session is None:
            kg.close()


def as_dict(value: Any) -> Any:
    """A result dataclass as plain JSON-able data (paths as strings)."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {k: as_dict(v) for k, v in asdict(value).items()}
    if isinstance(value, list):
        return [as_dict(v) for v in value]
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    return str(value) if isinstance(value, Path) else value
