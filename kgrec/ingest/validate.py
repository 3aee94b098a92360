"""Parsed rows (with their file and line) and the whole-input validation that turns them into a plan.

Every parser (RecBole atomic files, Last.fm, CSV mapping, synthetic) produces a :class:`RawDataset`.
:func:`validate` checks it as a whole — unknown references, conflicting duplicates, unsafe
relation names — and returns a :class:`LoadPlan` of ready-to-write rows. Nothing is written
before this succeeds, so bad input never leaves a partial graph behind.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kgrec.cypher import SAFE_IDENTIFIER
from kgrec.errors import InputError
from kgrec.keys import node_key
from kgrec.numbers import show

RESERVED_TYPES = frozenset({"INTERACTED", "FRIEND"})
NODE_LABELS = frozenset({"User", "Item", "Entity"})
RELATION_CHARS = re.compile(r"^[A-Za-z0-9_.\-/: ]+$")


@dataclass(frozen=True)
class Where:
    """Where a row came from: file and 1-based line (``line`` 0 for generated rows)."""

    path: str
    line: int


@dataclass
class NodeRow:
    id: str
    props: dict[str, Any]
    where: Where


@dataclass
class EventRow:
    user: str
    item: str
    kind: str
    rating: float | None
    weight: float
    ts: int | None
    split: str | None
    where: Where


@dataclass
class PairRow:
    """A link (item, entity), a friendship (user, user) or a KG triple (head, tail + relation)."""

    left: str
    right: str
    where: Where
    relation: str = ""


@dataclass
class RawDataset:
    name: str
    source: str
    checksums: dict[str, str] = field(default_factory=dict)
    users: list[NodeRow] = field(default_factory=list)
    items: list[NodeRow] = field(default_factory=list)
    entities: list[NodeRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    links: list[PairRow] = field(default_factory=list)
    friends: list[PairRow] = field(default_factory=list)
    triples: list[PairRow] = field(default_factory=list)
    users_declared: bool = False   # True when a user file exists: events must reference known users
    items_declared: bool = False


@dataclass
class LoadPlan:
    """Validated rows keyed for MERGE; ``triples`` grouped by (head label, type, tail label)."""

    name: str
    source: str
    checksums: dict[str, str]
    nodes: dict[str, list[dict[str, Any]]]
    events: list[dict[str, Any]]
    friends: list[dict[str, Any]]
    triples: dict[tuple[str, str, str], list[dict[str, Any]]]
    relation_names: dict[str, str]

    @property
    def relation_types(self) -> frozenset[str]:
        return frozenset(self.relation_names)

    def counts(self) -> dict[str, int]:
        return {"users": len(self.nodes["User"]), "items": len(self.nodes["Item"]),
                "entities": len(self.nodes["Entity"]), "events": len(self.events),
                "friends": len(self.friends), "triples": sum(len(v) for v in self.triples.values())}


def key(dataset: str, ext_id: str) -> str:
    """The node key (see :mod:`kgrec.keys`)."""
    return node_key(dataset, ext_id)


def relation_type(name: str, where: Where) -> str:
    """``film.film.genre`` -> ``FILM_FILM_GENRE``; anything unsafe is an input error."""
    if not name or not RELATION_CHARS.fullmatch(name):
        raise InputError(where.path, f"relation name {show(name)} is not a safe identifier "
                         "(allowed: letters, digits, . _ - / : and spaces)", where.line, "relation")
    sanitised = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", name)).strip("_").upper()
    if not SAFE_IDENTIFIER.fullmatch(sanitised):
        raise InputError(where.path, f"relation name {show(name)} gives {show(sanitised)}, not a safe identifier "
                         "(must start with a letter, at most 63 characters)", where.line, "relation")
    if sanitised in RESERVED_TYPES:
        raise InputError(where.path, f"relation name {show(name)} collides with the reserved type {sanitised}",
                         where.line, "relation")
    return sanitised


def validate(raw: RawDataset) -> LoadPlan:
    """Check the whole input; raise :class:`InputError` naming file and line, else return the plan."""
    if not raw.name or not SAFE_IDENTIFIER.fullmatch(raw.name):
        raise InputError(raw.source, f"dataset name {show(raw.name)} must be a safe identifier "
                         "(letters, digits, _; starting with a letter)")
    users = _unique_nodes(raw.users, "user")
    items = _unique_nodes(raw.items, "item")
    entities = _unique_nodes(raw.entities, "entity")
    events = _events(raw, users, items)
    item_of_entity = _links(raw.links, items)
    friends = _friends(raw.friends, users, raw.users_declared)
    for entity_id, item_id in item_of_entity.items():
        items[item_id][0]["entity"] = entity_id
    triples, relation_names = _triples(raw, item_of_entity, entities)
    nodes = {
        "User": _node_rows(raw.name, users),
        "Item": _node_rows(raw.name, items),
        "Entity": _node_rows(raw.name, {k: v for k, v in entities.items() if k not in item_of_entity}),
    }
    events_out = [{"user": key(raw.name, e.user), "item": key(raw.name, e.item), "kind": e.kind,
                   "rating": e.rating, "weight": e.weight, "ts": e.ts, "split": e.split} for e in events]
    friends_out = [{"a": key(raw.name, a), "b": key(raw.name, b)} for a, b in friends]
    return LoadPlan(raw.name, raw.source, raw.checksums, nodes, events_out, friends_out, triples,
                    relation_names)


def _unique_nodes(rows: list[NodeRow], what: str) -> dict[str, tuple[dict[str, Any], Where]]:
    seen: dict[str, tuple[dict[str, Any], Where]] = {}
    for row in rows:
        if not row.id:
            raise InputError(row.where.path, f"empty {what} id", row.where.line)
        if row.id in seen:
            props, first = seen[row.id]
            if props != row.props:
                raise InputError(row.where.path, f"duplicate {what} id {show(row.id)} with values that differ "
                                 f"from line {first.line}", row.where.line)
            continue
        seen[row.id] = (dict(row.props), row.where)
    return seen


def _events(raw: RawDataset, users: dict, items: dict) -> list[EventRow]:
    out: dict[tuple[str, str, int | None, str], EventRow] = {}
    for ev in raw.events:
        w = ev.where
        for value, column in ((ev.user, "user"), (ev.item, "item")):
            if not value:
                raise InputError(w.path, f"empty {column} id", w.line, column)
        if ev.user not in users:
            if raw.users_declared:
                raise InputError(w.path, f"event references unknown user {show(ev.user)}", w.line, "user")
            users[ev.user] = ({}, w)
        if ev.item not in items:
            if raw.items_declared:
                raise InputError(w.path, f"event references unknown item {show(ev.item)}", w.line, "item")
            items[ev.item] = ({}, w)
        identity = (ev.user, ev.item, ev.ts, ev.kind)
        first = out.get(identity)
        if first is not None:
            if (first.rating, first.weight, first.split) != (ev.rating, ev.weight, ev.split):
                raise InputError(w.path, f"duplicate event (user {show(ev.user)}, item {show(ev.item)}, ts {ev.ts}, "
                                 f"kind {show(ev.kind)}) with values that differ from {first.where.path}:"
                                 f"{first.where.line}", w.line)
            continue
        out[identity] = ev
    return list(out.values())


def _links(links: list[PairRow], items: dict) -> dict[str, str]:
    item_of_entity: dict[str, PairRow] = {}
    entity_of_item: dict[str, PairRow] = {}
    for link in links:
        w = link.where
        if not link.left or not link.right:
            raise InputError(w.path, "empty item or entity id in a link", w.line)
        if link.left not in items:
            raise InputError(w.path, f"link references unknown item {show(link.left)}", w.line, "item")
        other = entity_of_item.get(link.left)
        if other is not None and other.right != link.right:
            raise InputError(w.path, f"item {show(link.left)} linked to entity {show(link.right)} but line "
                             f"{other.where.line} links it to {show(other.right)}", w.line, "entity")
        other = item_of_entity.get(link.right)
        if other is not None and other.left != link.left:
            raise InputError(w.path, f"entity {show(link.right)} linked to item {show(link.left)} but line "
                             f"{other.where.line} links it to item {show(other.left)}", w.line, "item")
        entity_of_item[link.left] = item_of_entity[link.right] = link
    return {e: link.left for e, link in item_of_entity.items()}


def _friends(rows: list[PairRow], users: dict, declared: bool) -> list[tuple[str, str]]:
    out: dict[tuple[str, str], None] = {}
    for row in rows:
        for uid, col in ((row.left, "user"), (row.right, "friend")):
            if not uid:
                raise InputError(row.where.path, f"empty {col} id", row.where.line, col)
            if uid not in users:
                if declared:
                    raise InputError(row.where.path, f"friendship references unknown user {show(uid)}",
                                     row.where.line, col)
                users[uid] = ({}, row.where)
        if row.left == row.right:
            raise InputError(row.where.path, f"user {show(row.left)} listed as their own friend", row.where.line)
        out[(row.left, row.right)] = None
    return list(out)


def _triples(raw: RawDataset, item_of_entity: dict[str, str], entities: dict
             ) -> tuple[dict[tuple[str, str, str], list[dict[str, Any]]], dict[str, str]]:
    names: dict[str, tuple[str, Where]] = {}
    grouped: dict[tuple[str, str, str], dict[tuple[str, str], None]] = defaultdict(dict)
    for t in raw.triples:
        if not t.left or not t.right:
            raise InputError(t.where.path, "empty head or tail entity id", t.where.line)
        rel = relation_type(t.relation, t.where)
        first = names.setdefault(rel, (t.relation, t.where))
        if first[0] != t.relation:
            raise InputError(t.where.path, f"relation names {show(t.relation)} and {show(first[0])} (line "
                             f"{first[1].line}) both become type {rel}", t.where.line, "relation")
        ends = []
        for ent in (t.left, t.right):
            if ent in item_of_entity:
                ends.append(("Item", key(raw.name, item_of_entity[ent])))
            else:
                entities.setdefault(ent, ({}, t.where))
                ends.append(("Entity", key(raw.name, ent)))
        grouped[(ends[0][0], rel, ends[1][0])][(ends[0][1], ends[1][1])] = None
    triples = {sig: [{"h": h, "t": t} for h, t in pairs] for sig, pairs in sorted(grouped.items())}
    return triples, {rel: name for rel, (name, _) in sorted(names.items())}


def _node_rows(dataset: str, nodes: dict[str, tuple[dict[str, Any], Where]]) -> list[dict[str, Any]]:
    return [{"key": key(dataset, node_id), "props": {**props, "id": node_id, "dataset": dataset}}
            for node_id, (props, _) in nodes.items()]
