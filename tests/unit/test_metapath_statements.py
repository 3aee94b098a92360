"""Filling the metapath neighbour statements (no database): the no-leak allow-list lands on exactly the
User–Item hops, oriented user -> item; KG hops are unfiltered; labels/types come from the whitelist."""

from __future__ import annotations

import pytest

from kgrec.errors import KgrecError
from kgrec.metapath_edges import check_shape, fill_statement, split_names
from kgrec.metapaths import Metapath

HOPS = {frozenset("UI"): {"INTERACTED"}, frozenset("IE"): {"FILM_GENRE", "DIRECTED_BY"}}


def code(template: str, types: tuple[str, ...]) -> str:
    """The filled statement without its comment lines."""
    text = fill_statement(template, Metapath(types), HOPS)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def test_user_item_hops_get_the_training_allow_list_oriented_user_to_item() -> None:
    text = code("metapaths/neighbours_1", ("I", "U", "I"))
    assert "WHERE $train[x.key][a.key]" in text and "WHERE b <> a AND $train[x.key][b.key]" in text
    text = code("metapaths/neighbours_2", ("U", "I", "E", "I", "U"))
    assert "WHERE $train[a.key][y.key]" in text and "WHERE $train[b.key][z.key]" in text
    assert text.count("$train[") == 2 and "[r2:DIRECTED_BY|FILM_GENRE]" in text and "{{" not in text


def test_kg_only_metapaths_read_no_allow_list() -> None:
    text = code("metapaths/self_paths_1", ("I", "E", "I"))
    assert "$train" not in text and "WHERE true" in text


@pytest.mark.parametrize(("types", "message"), [(("U", "I", "E"), "must be symmetric"),
                                                 (("E", "I", "E"), "must start and end at U or I"),
                                                 (("U", "I", "U", "I", "U", "I", "U"), "must be symmetric")])
def test_shape_rules(types, message) -> None:
    with pytest.raises(KgrecError, match=message):
        check_shape(Metapath(types))


def test_names_are_normalised_and_duplicates_refused() -> None:
    assert split_names(" u-i-u , I-E-I,") == ["U-I-U", "I-E-I"]
    with pytest.raises(KgrecError, match="I-E-I listed twice"):
        split_names("I-E-I,i-e-i")
