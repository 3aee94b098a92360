"""Readable phrases for KG relation names (``film.film.actor`` -> "shares an actor with").

Every phrase completes a sentence whose subject is one item and whose object is another:

* shared entity (``direct=False``): both items link to the same entity through the relation;
  ``head`` says whether the items are the relation's heads (``film.film.actor``: film -> actor)
  or its tails (``film.actor.film``: actor -> film). "<liked item> <phrase> <recommended item>".
* direct edge (``direct=True``): the two items are linked to each other; ``head`` says whether
  the *recommended* item is the head. "<recommended item> <phrase> <liked item>"
  ("The Empire Strikes Back" "is a sequel of" "Star Wars").

Relations missing from the table get a phrase built from the name (Freebase ``domain.type.property``:
items as heads share the property, items as tails share the type): ``music.artist.origin`` ->
"has the same origin as". No phrase ever contains the raw relation name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    shared_head: str | None = None    # items are heads, the shared entity is the tail
    shared_tail: str | None = None    # items are tails, the shared entity is the head
    forward: str | None = None        # liked -[R]-> recommended: "<rec> <forward> <liked>"
    backward: str | None = None       # recommended -[R]-> liked: "<rec> <backward> <liked>"


def _both(text: str) -> Phrases:
    return Phrases(shared_head=text, shared_tail=text)


SEQUEL = Phrases("has the same sequel as", "is a sequel of the same film as", "is a sequel of", "is a prequel of")
PREQUEL = Phrases("has the same prequel as", "is a prequel of the same film as", "is a prequel of", "is a sequel of")

PHRASES: dict[str, Phrases] = {
    # ml-100k (RecBole's Freebase KG)
    "film.film.actor": _both("shares an actor with"),
    "film.actor.film": Phrases("appeared in the same film as", "shares an actor with"),
    "film.film.genre": _both("is in the same genre as"),
    "film.film_genre.films_in_this_genre": _both("is in the same genre as"),
    "film.film.award_nomination": _both("was nominated for the same award as"),
    "film.film.award_won": _both("won the same award as"),
    "film.producer.film": Phrases("produced the same film as", "has the same producer as"),
    "film.film.produced_by": _both("has the same producer as"),
    "film.writer.film": Phrases("wrote for the same film as", "is written by the same writer as"),
    "film.film.written_by": _both("is written by the same writer as"),
    "film.film.language": _both("is in the same language as"),
    "film.film.country": _both("comes from the same country as"),
    "film.film.directed_by": _both("is directed by the same person as"),
    "film.director.film": Phrases("directed the same film as", "is directed by the same person as"),
    "film.film.cinematography": _both("has the same cinematographer as"),
    "film.cinematographer.film": Phrases("shot the same film as", "has the same cinematographer as"),
    "film.production_company.films": _both("comes from the same production company as"),
    "film.film.production_companies": _both("comes from the same production company as"),
    "film.film.rating": _both("has the same content rating as"),
    "film.content_rating.film": _both("has the same content rating as"),
    "film.film_subject.films": _both("is about the same subject as"),
    "film.film.subjects": _both("is about the same subject as"),
    "film.film.sequel": SEQUEL,
    "film.film.prequel": PREQUEL,
    # Last.fm (KGCN's Freebase KG; the items are artists)
    "award.competitor.award_nominations": _both("was nominated for the same award as"),
    "award.nominee.award_nominations": _both("was nominated for the same award as"),
    "award.competitor.awards_won": _both("won the same award as"),
    "award.winner.awards_won": _both("won the same award as"),
    "business.operation.industry": _both("works in the same industry as"),
    "cvg.computer_videogame.publisher": _both("has the same publisher as"),
    "cvg.publisher.games_published": _both("published the same video game as"),
    "event.agent.performance": _both("took part in the same performance as"),
    "fictional_universe.character.creator": _both("has the same creator as"),
    "film.character.film": _both("appears in the same film as"),
    "film.distributor.film": Phrases("distributed the same film as", "has the same distributor as",
                                     "was distributed by", "distributed"),
    "film.editor.film": Phrases("edited the same film as", "has the same editor as"),
    "film.film.art_director": _both("has the same art director as"),
    "film.film.cinematographer": _both("has the same cinematographer as"),
    "film.film.director": _both("is directed by the same person as"),
    "film.film.editor": _both("has the same editor as"),
    "film.film.executive_producer": _both("has the same executive producer as"),
    "film.film.music": Phrases("has music by the same composer as", "wrote music for the same film as",
                               "wrote the music for", "has music by"),
    "film.film.producer": _both("has the same producer as"),
    "film.film.production_company": Phrases("comes from the same production company as",
                                            "produced the same film as", "produced", "was produced by"),
    "film.film.star": _both("shares a star with"),
    "film.film.writer": _both("is written by the same writer as"),
    "film.person_or_entity_appearing_in_film.film": _both("appears in the same film as"),
    "film.production_company.film": Phrases("produced the same film as",
                                            "comes from the same production company as",
                                            "was produced by", "produced"),
    "film.set_designer.film": _both("designed sets for the same film as"),
    "games.game.publisher": _both("has the same publisher as"),
    "games.publisher.games_published": _both("published the same game as"),
    "location.location.contained_by": _both("is in the same place as"),
    "location.location.time_zone": _both("is in the same time zone as"),
    "music.album.artist": Phrases("is by the same artist as", "recorded an album with the same artist as",
                                  "is the artist of", "is by"),
    "music.album.genre": _both("has an album in the same genre as"),
    "music.album.track": _both("shares a track with"),
    "music.artist.album": _both("appears on the same album as"),
    "music.artist.genre": _both("plays the same genre as"),
    "music.artist.origin": _both("has the same artist origin as"),
    "music.artist.track": _both("shares a track with"),
    "music.musician.instruments_played": _both("plays the same instrument as"),
    "music.producer.tracks_produced": _both("produced the same track as"),
    "people.deceased_person.place_of_death": _both("died in the same place as"),
    "people.person.nationality": _both("has the same nationality as"),
    "people.person.place_of_birth": _both("was born in the same place as"),
    "people.person.profession": _both("has the same profession as"),
    "tv.actor.starring_roles": _both("starred in the same TV role as"),
    "tv.program.country_of_origin": _both("comes from the same country as"),
    "tv.program.genre": _both("is in the same TV genre as"),
    "tv.program.regular_cast": _both("has the same regular cast member as"),
    "tv.series_episode.director": _both("has the same episode director as"),
    "tv.series_episode.writer": _both("has the same episode writer as"),
    "type.object.key": Phrases("shares a catalogue key with", "shares a catalogue key with",
                               "is cross-listed with", "is cross-listed with"),
    "type.object.subject_key": Phrases("shares a subject key with", "shares a subject key with",
                                       "is cross-listed with", "is cross-listed with"),
}

_RAW_ID = re.compile(r"(^|:)[mg]\.[0-9a-z_]+$")


def phrase(relation_name: str | None, direct: bool, head: bool = True) -> str:
    """The phrase for a path through ``relation_name`` (see the module docstring for ``head``)."""
    entry = PHRASES.get(relation_name or "")
    if entry is not None:
        found = (entry.backward if head else entry.forward) if direct else \
            (entry.shared_head if head else entry.shared_tail)
        if found:
            return found
    return fallback(relation_name, direct, head)


def fallback(relation_name: str | None, direct: bool, head: bool = True) -> str:
    """A phrase built from the name: "has the same <noun> as" / "is the <noun> of" / "has as its <noun>"."""
    parts = [p for p in re.split(r"[./:]", relation_name or "") if p]
    if not parts:
        return "is linked to" if direct else "has something in common with"
    noun = _words(parts[-1]) if head or direct or len(parts) < 2 else _words(parts[-2])
    if direct:
        return f"has as its {noun}" if head else f"is the {noun} of"
    return f"has the same {noun} as"


def _words(segment: str) -> str:
    """``production_companies`` -> "production company" (snake/camel case to words, naive singular)."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", segment).replace("_", " ").replace("-", " ").strip().lower()
    words = text.split() or ["link"]
    last = words[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    return " ".join(words[:-1] + [last])


def is_raw_id(value: object) -> bool:
    """True for Freebase-style ids a person must never see: ``m.063gtr``, ``ml100k:m.063gtr``."""
    return isinstance(value, str) and bool(_RAW_ID.search(value))


def display_name(*candidates: object) -> str | None:
    """The first candidate that is a non-empty, human-readable name (never a raw id)."""
    for value in candidates:
        if isinstance(value, str) and value.strip() and not is_raw_id(value):
            return value.strip()
    return None


def phrase_rows(relation_names: list[str]) -> list[dict[str, str]]:
    """Rows for ``serve/merge_phrases``: every wording of each relation (table or fallback)."""
    return [{"relation": name, "shared_head": phrase(name, False, True), "shared_tail": phrase(name, False, False),
             "forward": phrase(name, True, False), "backward": phrase(name, True, True)}
            for name in sorted(set(relation_names))]
