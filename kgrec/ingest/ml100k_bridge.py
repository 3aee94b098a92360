"""The ml-100k id -> MovieLens-1M/20M id bridge that RecBole's ml-100k KG link needs.

RecBole 1.2.1's ``ml-100k.link`` is keyed by MovieLens-1M/20M movie ids, not ml-100k ids
(RUCAIBox/RecSysDatasets#130): read as-is it attaches the KG to the wrong films. This module
matches ml-100k titles to ``movies.dat`` (MovieLens-1M) by normalised title and release year,
writes the result as a small ids-only table shipped with kgrec (``ml100k_ml1m_bridge.tsv``), and
re-keys the link rows through it. An item without one unambiguous match stays unlinked.

Matching, in tiers, each accepting only a *unique* candidate:

1. ``exact``  — the whole normalised title and the same year;
2. ``alias``  — any alias of either title (articles moved, the parts of "Main (Alternate)" and
   "a.k.a." titles, the part before a colon) and the same year;
3. ``year±1`` — the whole title or an alias, with the year off by one (release vs. MovieLens year).

Normalising lowercases, strips accents and punctuation, writes ``&`` as ``and`` and drops leading
and trailing articles (``Usual Suspects, The`` = ``The Usual Suspects``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kgrec.errors import InputError
from kgrec.ingest.validate import PairRow, RawDataset

BRIDGE_FILE = Path(__file__).with_name("ml100k_ml1m_bridge.tsv")
BRIDGE_HEADER = "ml100k_id\tml1m_id\tmatch"
MOVIES_DAT_SHA256 = "f3230f6500a9f97940c15421ce1220d16d80a77ea7a20d3933b946fe783a6ef6"
ARTICLES = frozenset({"the", "a", "an", "il", "la", "le", "les", "l", "lo", "el", "los", "las", "das", "der",
                      "die", "det", "den", "de", "un", "une", "o", "i"})
MOVIES_DAT_LINE = re.compile(r"^(\d+)::(.*?)\s*\((\d{4})\)::[^:]*$")
PAREN = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class Movie:
    id: str
    title: str
    year: int | None


@dataclass(frozen=True)
class Match:
    ml100k_id: str
    ml1m_id: str
    tier: str


def normalise(title: str) -> str:
    """Comparable form of a title: ascii, lowercase, no punctuation, no leading/trailing articles."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ").replace("'", "")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    while len(words) > 1 and words[-1] in ARTICLES:
        words = words[:-1]
    return " ".join(words)


def aliases(title: str) -> set[str]:
    """Every normalised name a title stands for (see module doc); empty names are dropped."""
    names = {title}
    inner = PAREN.findall(title)
    outer = PAREN.sub(" ", title).strip()
    names.add(outer)
    for part in inner:
        names.update(re.sub(r"^a\.?k\.?a\.?\s*", "", p.strip(), flags=re.I) for p in re.split(r",\s*(?=a\.k\.a)", part))
    for name in list(names):
        if ":" in name:
            head, tail = name.split(":", 1)
            names.add(head)
            if " - " in tail:  # "Star Wars: Episode V - The Empire Strikes Back"
                names.add(tail.rsplit(" - ", 1)[1])
    return {n for n in map(normalise, names) if n}


def read_movies_dat(path: Path) -> list[Movie]:
    """MovieLens-1M ``movies.dat`` (``id::Title (Year)::Genres``, latin-1/ascii, no header)."""
    if not path.is_file():
        raise InputError(str(path), "file not found (MovieLens-1M's movies.dat)")
    movies = []
    for number, line in enumerate(path.read_bytes().decode("latin-1").splitlines(), 1):
        if not line.strip():
            continue
        found = MOVIES_DAT_LINE.match(line.strip())
        if found is None:
            raise InputError(str(path), "expected 'id::Title (Year)::Genres'", number)
        movies.append(Movie(found.group(1), found.group(2), int(found.group(3))))
    return movies


def match_titles(items: Iterable[Movie], movies: Iterable[Movie]) -> list[Match]:
    """One :class:`Match` per ml-100k item with exactly one candidate in the first tier that has any."""
    movies = list(movies)
    by_title: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    by_alias: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    for movie in movies:
        by_title[(normalise(movie.title), movie.year)].add(movie.id)
        for alias in aliases(movie.title):
            by_alias[(alias, movie.year)].add(movie.id)
    matches = []
    for item in items:
        found = _match_one(item, by_title, by_alias)
        if found is not None:
            matches.append(Match(item.id, *found))
    return matches


def _match_one(item: Movie, by_title: dict, by_alias: dict) -> tuple[str, str] | None:
    title, names = normalise(item.title), aliases(item.title)
    near = [] if item.year is None else [item.year - 1, item.year + 1]
    tiers = (
        ("exact", [by_title.get((title, item.year), set())]),
        ("alias", [by_alias.get((n, item.year), set()) for n in names]),
        ("year±1", [by_title.get((title, y), set()) | by_alias.get((n, y), set()) for n in names for y in near]),
    )
    for tier, candidate_sets in tiers:
        candidates = set().union(*candidate_sets)
        if len(candidates) == 1:
            return next(iter(candidates)), tier
        if len(candidates) > 1:
            return None  # ambiguous: leave unlinked rather than guess
    return None


def build_bridge(item_file: Path, movies_dat: Path) -> list[Match]:
    """Match RecBole's ``ml-100k.item`` against MovieLens-1M's ``movies.dat``."""
    from kgrec.ingest.recbole import parse_atomic

    atomic = parse_atomic(item_file)
    iid, title, year = (atomic.column("item_id"), atomic.column("movie_title"), atomic.column("release_year"))
    items = [_item_movie(v[iid], v[title], v[year]) for _, v in atomic.rows]
    return match_titles(items, read_movies_dat(movies_dat))


def _item_movie(item_id: str, title: str | list[str], year: str) -> Movie:
    """An ml-100k item; a year RecBole could not parse ("V") is read from a "(YYYY)" in the title."""
    title = " ".join(title) if isinstance(title, list) else title
    if str(year).isdigit():
        return Movie(item_id, title, int(year))
    found = re.search(r"\((\d{4})\)", title)
    return Movie(item_id, PAREN.sub(" ", title).strip() if found else title, int(found.group(1)) if found else None)


def render_bridge(matches: list[Match]) -> str:
    """The committed table: ``ml100k_id<TAB>ml1m_id<TAB>match``, by ml-100k id."""
    rows = sorted(matches, key=lambda m: int(m.ml100k_id))
    return "\n".join([BRIDGE_HEADER, *(f"{m.ml100k_id}\t{m.ml1m_id}\t{m.tier}" for m in rows)]) + "\n"


def read_bridge(path: Path = BRIDGE_FILE) -> dict[str, str]:
    """ml-100k id -> MovieLens-1M id from the shipped table."""
    lines = path.read_text().splitlines()
    if not lines or lines[0] != BRIDGE_HEADER:
        raise InputError(str(path), f"expected the header {BRIDGE_HEADER!r}", 1)
    bridge = {}
    for number, line in enumerate(lines[1:], 2):
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise InputError(str(path), "expected 'ml100k_id<TAB>ml1m_id<TAB>match'", number)
        bridge[parts[0]] = parts[1]
    return bridge


def rekey_links(raw: RawDataset, bridge: dict[str, str] | None = None) -> None:
    """Re-key ``raw.links`` (read from RecBole's ml-100k ``.link``, MovieLens-1M ids) to ml-100k ids.

    An item gets the entity linked to its bridged MovieLens-1M id; items RecBole's ml-100k lists twice
    under one film (e.g. *Chasing Amy*, 246 and 268) share one MovieLens-1M id, and its entity goes to
    the lower ml-100k id (an entity is one node). Unbridged items stay unlinked."""
    bridge = read_bridge() if bridge is None else bridge
    entity_of = {link.left: link for link in raw.links}
    claimed: set[str] = set()
    links = []
    for item_id, ml1m_id in sorted(bridge.items(), key=lambda kv: int(kv[0])):
        link = entity_of.get(ml1m_id)
        if link is None or ml1m_id in claimed:
            continue
        claimed.add(ml1m_id)
        links.append(PairRow(item_id, link.right, link.where))
    raw.links = links
    raw.checksums[BRIDGE_FILE.name] = hashlib.sha256(BRIDGE_FILE.read_bytes()).hexdigest()
