"""Test fixtures: every test talks to a real Neo4j 5.26 managed by kgrec.

The suite runs its own managed instance (default ``test`` on ports 7688/7475) so it never
touches the data of the ``default`` instance a user explores. Override with
KGREC_TEST_INSTANCE / KGREC_TEST_BOLT_PORT / KGREC_TEST_HTTP_PORT (e.g. parallel checkouts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kgrec import migrations, server
from kgrec.db import Graph
from kgrec.maintenance import wipe_data
from kgrec.settings import Settings, load_settings

TEST_ENV = {
    "KGREC_INSTANCE": os.environ.get("KGREC_TEST_INSTANCE", "test"),
    "KGREC_BOLT_PORT": os.environ.get("KGREC_TEST_BOLT_PORT", "7688"),
    "KGREC_HTTP_PORT": os.environ.get("KGREC_TEST_HTTP_PORT", "7475"),
    "KGREC_NEO4J_HEAP": "768m",
    "KGREC_NEO4J_PAGECACHE": "256m",
}


def suite_env() -> dict[str, str]:
    """Environment for subprocess CLI calls against the test instance (no NEO4J_* leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(TEST_ENV)
    env["KGREC_CONFIG"] = "/nonexistent/kgrec.toml"
    return env


@pytest.fixture(scope="session")
def settings() -> Settings:
    s = load_settings(env=suite_env())
    server.install(s, quiet=True)
    server.start(s)
    with Graph(s) as graph:
        migrations.migrate(graph)
    return s


@pytest.fixture()
def graph(settings: Settings) -> Iterator[Graph]:
    """A connection to an empty (data-wiped, schema-migrated) test database."""
    with Graph(settings) as g:
        wipe_data(g)
        yield g
