"""kgrec's test suite; test-only Cypher statements (``tests/cypher``) are registered on import."""

from kgrec.cypher import add_directory
from tests.paths import TESTS

add_directory(TESTS / "cypher")
