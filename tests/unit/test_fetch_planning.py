"""How many index candidates recommend() asks for, from the filters' measured pass rate."""

from __future__ import annotations

from kgrec.serve.recommend import MAX_FETCH, MIN_FETCH, measured_rate, planned_fetch


def test_unknown_or_permissive_filters_fetch_the_default() -> None:
    assert planned_fetch(10, None) == MIN_FETCH
    assert planned_fetch(10, 0.98) == MIN_FETCH
    assert planned_fetch(50, None) == 500


def test_a_selective_filter_fetches_k_over_its_rate_with_headroom() -> None:
    assert planned_fetch(10, 0.05) == 400          # 2 × 10 / 0.05
    assert planned_fetch(10, 0.0) > MAX_FETCH      # nothing passed: straight to the exact scan


def test_the_rate_estimate_moves_halfway_to_each_observation() -> None:
    assert measured_rate(None, 0.2) == 0.2
    assert measured_rate(0.2, 0.4) == 0.30000000000000004
