"""A seeded generator of a realistic small KG with events, for scale tests and benchmarks.

Items draw popularity from a Zipf-like law (a few blockbusters, a long tail); each item links to
typed entities (genres, people, studios, countries) which themselves have Zipf-skewed usage;
users prefer a couple of genres, so events carry signal a model can learn. The same seed gives
the same dataset, byte for byte.
"""

from __future__ import annotations

import numpy as np

from kgrec.errors import KgrecError
from kgrec.ingest.recbole import item_text
from kgrec.ingest.validate import EventRow, NodeRow, PairRow, RawDataset, Where

GENRES = ("Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")
SYLLABLES = ("ka", "ri", "mo", "la", "ven", "tor", "sa", "del", "mi", "ro", "an", "zu", "pe", "lin")
WORDS = ("Night", "River", "Secret", "Last", "City", "Dream", "Storm", "Silent", "Golden", "Lost",
         "Winter", "Shadow", "Empire", "Garden", "Fire", "Journey", "Star", "Broken", "Hidden", "Echo")
COUNTRIES = ("France", "Japan", "Brazil", "Canada", "India", "Italy", "Kenya", "Norway", "Peru", "Spain")
START_TS = 946_684_800  # 2000-01-01


def generate(users: int, items: int, events: int, seed: int = 0, dataset: str = "synthetic") -> RawDataset:
    if users < 1 or items < 1 or events < 0:
        raise KgrecError("synthetic: --users and --items must be >= 1 and --events >= 0")
    if events > users * items:
        raise KgrecError(f"synthetic: {events} events cannot fit in {users} x {items} distinct pairs")
    rng = np.random.default_rng(seed)
    where = Where(f"synthetic(seed={seed})", 0)
    raw = RawDataset(name=dataset, source=where.path, users_declared=True, items_declared=True)
    people = [_name(rng) for _ in range(max(4, items // 3))]
    studios = [f"{_name(rng).split()[1]} Pictures" for _ in range(max(2, items // 20))]
    entities = ([("genre", g) for g in GENRES] + [("person", p) for p in people]
                + [("studio", s) for s in studios] + [("country", c) for c in COUNTRIES])
    for n, (etype, name) in enumerate(entities):
        raw.entities.append(NodeRow(f"e{n}", {"name": name, "type": etype}, where))
    offsets = {t: next(i for i, (et, _) in enumerate(entities) if et == t)
               for t in ("genre", "person", "studio", "country")}
    item_genres = _items(raw, rng, items, people, studios, offsets, where)
    for u in range(users):
        raw.users.append(NodeRow(f"u{u}", {}, where))
    _events(raw, rng, users, items, events, item_genres, where)
    return raw


def _name(rng: np.random.Generator) -> str:
    first = "".join(rng.choice(SYLLABLES, 2)).capitalize()
    last = "".join(rng.choice(SYLLABLES, 3)).capitalize()
    return f"{first} {last}"


def _zipf_pick(rng: np.random.Generator, n: int, size: int, a: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** a
    return rng.choice(n, size=size, p=weights / weights.sum())


def _items(raw: RawDataset, rng: np.random.Generator, items: int, people: list[str], studios: list[str],
           offsets: dict[str, int], where: Where) -> np.ndarray:
    genres_of = np.zeros((items, 2), np.int64)
    for i in range(items):
        title = " ".join(rng.choice(WORDS, int(rng.integers(1, 4)), replace=False))
        year = int(rng.integers(1950, 2024))
        genres = sorted(set(_zipf_pick(rng, len(GENRES), 2, 0.8).tolist()))
        genres_of[i] = (genres[0], genres[-1])
        names = [GENRES[g] for g in genres]
        director = int(_zipf_pick(rng, len(people), 1)[0])
        cast = sorted(set(_zipf_pick(rng, len(people), 3).tolist()))
        studio = int(_zipf_pick(rng, len(studios), 1)[0])
        country = int(rng.integers(0, len(COUNTRIES)))
        description = f"A {names[0].lower()} film directed by {people[director]}."
        raw.items.append(NodeRow(f"i{i}", {"title": title, "year": year, "genres": names,
                                           "description": description,
                                           "text": item_text(title, year, names, description)}, where))
        raw.links.append(PairRow(f"i{i}", f"film{i}", where))
        edges = ([("film.genre", offsets["genre"] + g) for g in genres]
                 + [("film.directed_by", offsets["person"] + director)]
                 + [("film.starring", offsets["person"] + p) for p in cast]
                 + [("film.studio", offsets["studio"] + studio), ("film.country", offsets["country"] + country)])
        raw.triples.extend(PairRow(f"film{i}", f"e{e}", where, rel) for rel, e in edges)
    return genres_of


def _events(raw: RawDataset, rng: np.random.Generator, users: int, items: int, events: int,
            item_genres: np.ndarray, where: Where) -> None:
    popularity = 1.0 / np.arange(1, items + 1) ** 1.0
    popularity = popularity[rng.permutation(items)]
    favourite = rng.integers(0, len(GENRES), size=users)
    activity = 1.0 / np.arange(1, users + 1) ** 0.7
    per_user = np.maximum(1, np.round(activity / activity.sum() * events)).astype(int)
    per_user = np.minimum(per_user, items)
    seen: set[tuple[int, int]] = set()
    order = rng.permutation(users)
    while len(seen) < events:
        for u in order:
            if len(seen) >= events:
                break
            boost = np.where((item_genres == favourite[u]).any(axis=1), 4.0, 1.0)
            p = popularity * boost
            picks = rng.choice(items, size=int(per_user[u]), p=p / p.sum())
            for i in picks.tolist():
                if len(seen) < events and (int(u), i) not in seen:
                    seen.add((int(u), i))
                    rating = float(rng.integers(3, 6) if boost[i] > 1 else rng.integers(1, 5))
                    ts = START_TS + int(rng.integers(0, 20 * 365 * 86400))
                    raw.events.append(EventRow(f"u{u}", f"i{i}", "rating", rating, 1.0, ts, None, where))
