"""Test fixtures: every test that needs a database talks to a real Neo4j 5.26 managed by kgrec.

The suite runs its own managed instance (default ``test`` on ports 7688/7475) so it never
touches the data of the ``default`` instance a user explores. Override with
KGREC_TEST_INSTANCE / KGREC_TEST_BOLT_PORT / KGREC_TEST_HTTP_PORT (e.g. parallel checkouts).

``KGREC_TEST_ROUTING=1`` runs the suite through the routing driver (``neo4j://127.0.0.1:<test port>``, as
against a cluster or Aura; the managed server is then "another server" to kgrec): ``./test.sh`` runs the
integration tier a second time that way.

Tiers (see tests/README.md): every test under ``tests/unit``, ``tests/integration`` or ``tests/e2e``
gets the marker of its folder; unit tests may not use the database fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgrec import migrations, server
from kgrec.db import Graph
from kgrec.maintenance import wipe_data
from kgrec.settings import Settings, load_settings
from tests.paths import DATA_DIR, HOME, TESTS

TIERS = ("unit", "integration", "e2e")
TEST_ENV = {
    "KGREC_HOME": str(HOME),
    "KGREC_DATA_DIR": str(DATA_DIR),
    "KGREC_INSTANCE": os.environ.get("KGREC_TEST_INSTANCE", "test"),
    "KGREC_BOLT_PORT": os.environ.get("KGREC_TEST_BOLT_PORT", "7688"),
    "KGREC_HTTP_PORT": os.environ.get("KGREC_TEST_HTTP_PORT", "7475"),
    "KGREC_NEO4J_HEAP": "768m",
    "KGREC_NEO4J_PAGECACHE": "256m",
}
ROUTING = os.environ.get("KGREC_TEST_ROUTING") == "1"


def suite_env() -> dict[str, str]:
    """Environment for subprocess CLI calls against the test instance (no NEO4J_* leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(TEST_ENV)
    env["KGREC_CONFIG"] = "/nonexistent/kgrec.toml"
    return env


def tier_of(path: Path) -> str | None:
    """``unit`` / ``integration`` / ``e2e`` from a test file's folder under tests/."""
    try:
        first = path.resolve().relative_to(TESTS).parts[0]
    except (ValueError, IndexError):
        return None
    return first if first in TIERS else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(Path(str(item.fspath)))
        if tier:
            item.add_marker(getattr(pytest.mark, tier))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("unit") and {"settings", "graph"} & set(getattr(item, "fixturenames", ())):
        pytest.fail("tests/unit must not use Neo4j: move this test to tests/integration")


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = load_settings(env=suite_env())
    server.install(s, quiet=True)
    server.start(s)
    with Graph(s) as graph:
        migrations.migrate(graph)
    if ROUTING:     # from here on every test and CLI subprocess reaches the server as an external one
        TEST_ENV.update({"NEO4J_URI": f"neo4j://127.0.0.1:{s.bolt_port}", "NEO4J_USER": "neo4j",
                         "NEO4J_PASSWORD": s.effective_password})
        s = load_settings(env=suite_env())
        assert not s.managed and s.effective_uri.startswith("neo4j://")
    return s


@pytest.fixture()
def graph(settings: Settings) -> Iterator[Graph]:
    """A connection to an empty (data-wiped, schema-migrated) test database."""
    with Graph(settings) as g:
        wipe_data(g)
        yield g
