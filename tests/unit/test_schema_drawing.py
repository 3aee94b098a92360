"""`kgrec graph schema`: the relationship-type boxes of docs/img/graph_model.png never overlap."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from kgrec.metapaths import draw_schema


def test_type_boxes_and_title_do_not_overlap(tmp_path: Path) -> None:
    many = [f"FILM_FILM_RELATION_NUMBER_{n}" for n in range(30)]
    edges = ([("User", "FRIEND", "User"), ("User", "INTERACTED", "Item")]
             + [("Item", r, "Item") for r in many[:9]] + [("Item", r, "Entity") for r in many]
             + [("Entity", r, "Item") for r in many[:12]] + [("Entity", r, "Entity") for r in many[:20]])
    extents = draw_schema(edges, tmp_path / "schema.png")     # six type boxes and the title
    assert len(extents) == 7 and (tmp_path / "schema.png").stat().st_size > 10_000
    overlapping = [(a, b) for a, b in combinations(extents, 2) if a.overlaps(b)]
    assert overlapping == []
