"""Named Cypher statements (``cypher/<name>.cypher``) and identifier whitelisting.

Python never holds Cypher text inline: every statement is a file, loaded by name. Values are
always parameters. Labels and relationship types that must be spliced in are checked against
``SAFE_IDENTIFIER`` *and* an explicit whitelist first (see :func:`splice`).
"""

from __future__ import annotations

import re
from functools import cache

from kgrec.errors import KgrecError
from kgrec.settings import PROJECT_ROOT

CYPHER_DIR = PROJECT_ROOT / "cypher"
SAFE_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")


@cache
def statement(name: str) -> str:
    """The text of ``cypher/<name>.cypher`` (comments kept; Neo4j ignores ``//`` lines)."""
    if not re.fullmatch(r"[a-z0-9_/]+", name):
        raise KgrecError(f"invalid statement name {name!r}")
    path = CYPHER_DIR / f"{name}.cypher"
    if not path.exists():
        raise KgrecError(f"missing Cypher statement {path}")
    return path.read_text()


def available() -> list[str]:
    return sorted(str(p.relative_to(CYPHER_DIR).with_suffix("")) for p in CYPHER_DIR.rglob("*.cypher"))


def check_identifier(name: str, whitelist: set[str] | frozenset[str] | None = None,
                     what: str = "identifier") -> str:
    """Return ``name`` if it is a safe identifier (and in ``whitelist`` when given)."""
    if not SAFE_IDENTIFIER.fullmatch(name):
        raise KgrecError(f"{what} {name!r} is not a safe identifier (letters, digits, _; max 63)")
    if whitelist is not None and name not in whitelist:
        raise KgrecError(f"{what} {name!r} is not one of: {', '.join(sorted(whitelist))}")
    return name


def quote_identifier(name: str) -> str:
    """``name`` as a backtick-quoted Cypher identifier (a backtick inside is doubled)."""
    return "`" + name.replace("`", "``") + "`"


def splice(name: str, /, **identifiers: tuple[str, set[str] | frozenset[str]]) -> str:
    """Load statement ``name`` and replace ``{{key}}`` markers by whitelisted, backtick-quoted identifiers."""
    text = statement(name)
    for key, (value, whitelist) in identifiers.items():
        text = text.replace("{{" + key + "}}", quote_identifier(check_identifier(value, whitelist, key)))
    if "{{" in text:
        raise KgrecError(f"statement {name} has unfilled markers")
    return text
