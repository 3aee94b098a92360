"""`kgrec forget`: erase one user everywhere kgrec keeps them.

* Neo4j: the ``(:User)`` node with every relationship (events, friendships) and every property, which
  includes each model version's vector ``emb_vN`` and ``text_vec`` -- one transaction (DETACH DELETE).
* The text cache (``<home>/text-cache/<model>/``): the entry of the user's text.
* Recorded runs (``runs/<id>/``): in ``graph/graph.npz`` the user's key becomes a tombstone, their
  interactions and friendships are removed (the split is re-indexed), their text is dropped, their
  metapath-neighbour rows are removed (item metapaths through users are dropped whole); their row of
  ``embeddings.npz`` is zeroed; ``checkpoints/`` (trained weights with the user's row) are deleted. The run
  gets a ``FORGOTTEN.json`` marker (counts only, never keys) and write-back refuses it from then on.

Not covered (documented): Neo4j's own transaction log keeps deleted data until it is rotated out, and a
re-load of the source files brings the user back -- remove them from the source too.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kgrec import keys
from kgrec.cypher import statement
from kgrec.data import GraphData
from kgrec.db import Graph
from kgrec.errors import KgrecError

MARKER = "FORGOTTEN.json"
TOMBSTONE_PREFIX = "kgrec-forgotten:"


@dataclass
class ForgetReport:
    key: str
    in_graph: bool = False
    events: int = 0
    friendships: int = 0
    vectors: list[str] = field(default_factory=list)
    cache_entries: int = 0
    runs: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.in_graph or bool(self.cache_entries) or bool(self.runs)


def forget_user(graph: Graph, user: str, dataset: str | None, cache_root: Path,
                runs_roots: list[Path]) -> ForgetReport:
    """Erase ``user`` (external id or full key) of ``dataset`` (resolved from the graph when None)."""
    key = resolve_key(graph, user, dataset)
    report = ForgetReport(key)
    row = graph.write(lambda tx: tx.run(statement("privacy/forget_user"), key=key).single())
    text = None
    if row is not None:
        report.in_graph, report.events, report.friendships = True, row["events"], row["friends"]
        report.vectors, text = sorted(row["vectors"]), row["text"]
    if text:
        report.cache_entries = forget_cached_text(cache_root, str(text))
    for root in dict.fromkeys(runs_roots):
        report.runs += [run.name for run in scrub_runs(root, key)]
    return report


def resolve_key(graph: Graph, user: str, dataset: str | None) -> str:
    """The user's node key ``<dataset>:<id>``; without ``dataset`` the one dataset holding the user."""
    if not user.strip():
        raise KgrecError("--user is empty")
    if dataset is not None:
        return keys.qualify(dataset, user)
    names = [r["name"] for r in graph.read("load/datasets")]
    candidates = [user] + [keys.node_key(name, user) for name in names]
    found = [r["key"] for r in graph.read("privacy/existing_keys", keys=candidates)]
    if not found:
        raise KgrecError(f"user {user[:80]!r} is in no loaded dataset",
                         hint="pass --dataset D to scrub saved runs and caches anyway")
    if len(found) > 1:
        raise KgrecError(f"user {user[:80]!r} exists in several datasets ({', '.join(found)})", hint="pass --dataset")
    return found[0]


# -- text cache -----------------------------------------------------------------------------------
def forget_cached_text(cache_root: Path, text: str) -> int:
    """Drop the cache entry of ``text`` from every model's cache; returns entries removed."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    removed = 0
    for folder in sorted(p for p in Path(cache_root).glob("*") if (p / "hashes.npy").exists()):
        hashes, vectors = np.load(folder / "hashes.npy"), np.load(folder / "vectors.npy")
        keep = np.array([str(h) != digest for h in hashes], dtype=bool)
        if keep.all():
            continue
        removed += int((~keep).sum())
        for name, arr in (("vectors.npy", vectors[keep]), ("hashes.npy", hashes[keep])):
            tmp = folder / f".{name}.tmp.npy"
            np.save(tmp, arr)
            os.replace(tmp, folder / name)
    return removed


# -- recorded runs --------------------------------------------------------------------------------
def scrub_runs(root: Path, key: str) -> list[Path]:
    """Scrub ``key`` from every run under ``root`` whose saved graph has it; returns those runs."""
    if not Path(root).is_dir():
        return []
    return [run for run in sorted(Path(root).iterdir())
            if (run / "graph" / "graph.json").exists() and scrub_run(run, key)]


def scrub_run(run: Path, key: str) -> bool:
    data = GraphData.load(run / "graph")
    users = np.asarray(data.keys.get("User", []), dtype=object)
    hits = np.flatnonzero(users == key)
    if not len(hits):
        return False
    index = int(hits[0])
    keep = data.interactions[:, 0] != index
    users[index] = TOMBSTONE_PREFIX + secrets.token_hex(6)
    data.keys["User"] = np.asarray(users, dtype=str)
    data.interactions, data.weights = data.interactions[keep], data.weights[keep]
    data.timestamps, data.splits = data.timestamps[keep], data.splits[keep]
    if len(data.social):
        data.social = data.social[(data.social != index).all(axis=1)]
    if "User" in data.texts and len(data.texts["User"]) > index:
        data.texts["User"][index] = None
    _scrub_metapaths(data, index)
    _save_graph(data, run / "graph")
    (run / "dataset.sha256").write_text(data.checksum() + "\n")
    _reindex_split(run / "split.npz", keep)
    _zero_embedding_row(run / "embeddings.npz", index)
    if (run / "checkpoints").is_dir():
        shutil.rmtree(run / "checkpoints")
    _mark(run)
    return True


def _scrub_metapaths(data: GraphData, index: int) -> None:
    """HAN's metapath relations: drop the user's rows from user metapaths (U-…-U); drop item metapaths
    that pass through users (I-U-I …) whole, since their weights aggregate the user's interactions."""
    for name in list(data.metapaths):
        types = name.split("-")
        if types[0] == "U":
            rows = (data.metapaths[name] != index).all(axis=1)
            data.metapaths[name], data.metapath_weights[name] = (data.metapaths[name][rows],
                                                                 data.metapath_weights[name][rows])
        elif "U" in types:
            del data.metapaths[name], data.metapath_weights[name]
    if data.metapath_info:
        data.metapath_info["names"] = list(data.metapaths)


def _save_graph(data: GraphData, directory: Path) -> None:
    tmp = directory.with_name(f".{directory.name}.forget.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    data.save(tmp)
    for name in ("graph.npz", "graph.json"):
        os.replace(tmp / name, directory / name)
    shutil.rmtree(tmp, ignore_errors=True)


def _reindex_split(path: Path, keep: np.ndarray) -> None:
    """Drop removed interactions from the split and renumber the rest (indices into interactions)."""
    if not path.exists():
        return
    new_index = np.cumsum(keep) - 1
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files}
    for part in ("train", "valid", "test"):
        if part in arrays:
            idx = np.asarray(arrays[part], np.int64)
            arrays[part] = new_index[idx[keep[idx]]]
    tmp = path.with_name(".split.forget.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def _zero_embedding_row(path: Path, index: int) -> None:
    if not path.exists():
        return
    with np.load(path) as z:
        arrays = {name: np.array(z[name]) for name in z.files}
    if "User" in arrays and len(arrays["User"]) > index:
        arrays["User"][index] = 0.0
    tmp = path.with_name(".embeddings.forget.tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _mark(run: Path) -> None:
    marker = run / MARKER
    count = json.loads(marker.read_text()).get("users_forgotten", 0) if marker.exists() else 0
    payload = {"users_forgotten": count + 1,
               "note": "`kgrec forget` scrubbed users from this run (graph rows removed, embedding rows "
                       "zeroed, checkpoints deleted); it can no longer be written back or resumed"}
    marker.write_text(json.dumps(payload, indent=2) + "\n")


def refuse_forgotten_run(run: Path) -> None:
    """Raise if ``run`` had users forgotten (write-back would serve a scrubbed model)."""
    if (Path(run) / MARKER).exists():
        raise KgrecError(f"run {Path(run).name!r} contained a user erased by `kgrec forget`; it cannot be "
                         "written back", hint="train a new run on the current graph")
