"""GraphData → DGL heterograph: users, items, entities; every relation type and its reverse.

Only *training* interactions become ``INTERACTED`` edges (valid/test never leak into message
passing). Reverse edges are named ``REV_<type>``.
"""

from __future__ import annotations

import dgl
import numpy as np
import torch

from kgrec.data import EdgeType, GraphData

INTERACTED = "INTERACTED"


def reverse_name(rel: str) -> str:
    return f"REV_{rel}"


def relation_edges(data: GraphData, train_idx: np.ndarray, use_kg: bool = True
                   ) -> dict[EdgeType, np.ndarray]:
    """Forward edge lists per canonical edge type (training interactions, social, KG)."""
    edges: dict[EdgeType, np.ndarray] = {("User", INTERACTED, "Item"): data.interactions[train_idx]}
    if len(data.social):
        edges[("User", "FRIEND", "User")] = data.social
    if use_kg:
        for etype in sorted(data.kg):
            if len(data.kg[etype]):
                edges[etype] = data.kg[etype]
    return edges


def build_heterograph(data: GraphData, train_idx: np.ndarray, use_kg: bool = True) -> dgl.DGLGraph:
    """A DGL heterograph with each relation and its reverse; node counts from ``data.keys``."""
    spec: dict[EdgeType, tuple[torch.Tensor, torch.Tensor]] = {}
    for (src, rel, dst), pairs in relation_edges(data, train_idx, use_kg).items():
        heads = torch.from_numpy(np.ascontiguousarray(pairs[:, 0], dtype=np.int64))
        tails = torch.from_numpy(np.ascontiguousarray(pairs[:, 1], dtype=np.int64))
        spec[(src, rel, dst)] = (heads, tails)
        spec[(dst, reverse_name(rel), src)] = (tails, heads)
    counts = {label: data.num_nodes(label) for label in ("User", "Item", "Entity")
              if data.num_nodes(label) or any(label in (s, d) for s, _, d in spec)}
    return dgl.heterograph(spec, num_nodes_dict=counts, idtype=torch.int64)


def to_collaborative_kg(hg: dgl.DGLGraph) -> tuple[dgl.DGLGraph, dict[str, int]]:
    """One homogeneous graph for KGAT (node/edge type ids kept); returns it and each label's offset."""
    g = dgl.to_homogeneous(hg)
    offsets, total = {}, 0
    for ntype in hg.ntypes:
        offsets[ntype] = total
        total += hg.num_nodes(ntype)
    return g, offsets


def user_item_graph(data: GraphData, train_idx: np.ndarray) -> dgl.DGLGraph:
    """The symmetric bipartite user–item graph (users first) with LightGCN's 1/sqrt(d_u d_i) weights."""
    pairs = data.interactions[train_idx]
    users = torch.from_numpy(pairs[:, 0].astype(np.int64))
    items = torch.from_numpy(pairs[:, 1].astype(np.int64)) + data.num_users
    g = dgl.graph((torch.cat([users, items]), torch.cat([items, users])),
                  num_nodes=data.num_users + data.num_items, idtype=torch.int64)
    g.edata["w"] = symmetric_norm(g)
    return g


def symmetric_norm(g: dgl.DGLGraph) -> torch.Tensor:
    src, dst = g.edges()
    out_deg = g.out_degrees().float().clamp(min=1)
    in_deg = g.in_degrees().float().clamp(min=1)
    return (out_deg[src] * in_deg[dst]).pow(-0.5)


def metapath_graph(pairs: np.ndarray, weights: np.ndarray, n: int) -> dgl.DGLGraph:
    """One metapath relation as a weighted DGL graph over its end label: edge neighbour -> node, plus a
    self-loop per node. ``edata["prior"]`` = log(weight / the node's largest incoming weight), 0 for
    the self-loop, so HAN's attention starts from the metapath weights (PathSim or instance count)."""
    nodes = torch.arange(n, dtype=torch.int64)
    src = torch.cat([torch.from_numpy(np.ascontiguousarray(pairs[:, 1], dtype=np.int64)), nodes])
    dst = torch.cat([torch.from_numpy(np.ascontiguousarray(pairs[:, 0], dtype=np.int64)), nodes])
    w = torch.from_numpy(np.asarray(weights, np.float32)).clamp(min=1e-12)
    largest = torch.full((n,), 1e-12).scatter_reduce(0, dst[:len(w)], w, reduce="amax")
    prior = torch.cat([torch.log(w / largest[dst[:len(w)]]), torch.zeros(n)])
    g = dgl.graph((src, dst), num_nodes=n, idtype=torch.int64)
    g.edata["w"] = torch.cat([w, torch.ones(n)])
    g.edata["prior"] = prior
    return g
