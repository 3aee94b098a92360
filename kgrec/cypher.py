"""Named Cypher statements (``kgrec/resources/cypher/<name>.cypher``) and identifier whitelisting.

Python never holds Cypher text inline: every statement is a file shipped as package data and read
with :mod:`importlib.resources`, loaded by name. Test- and benchmark-only statements live outside the
package (``tests/cypher``, ``benchmarks/cypher``); those callers register their folder with
:func:`add_directory`. Values are always parameters. Labels and relationship types that must be
spliced in are checked against ``SAFE_IDENTIFIER`` *and* an explicit whitelist first (see :func:`splice`).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from kgrec.errors import KgrecError

CYPHER_DIR: Traversable = files("kgrec") / "resources" / "cypher"
EXTRA_DIRS: list[Path] = []
SAFE_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
# Clauses that write or change the schema; a statement with none of them (outside comments and strings)
# and calling only READ_PROCEDURES is read-only. Conservative: a false "write" only costs routing to a primary.
WRITE_CLAUSES = re.compile(r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP|FOREACH|LOAD\s+CSV|IN\s+TRANSACTIONS|ALTER|"
                           r"GRANT|DENY|REVOKE|RENAME)\b", re.IGNORECASE)
PROCEDURE_CALL = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)\s*\(", re.IGNORECASE)
READ_PROCEDURES = frozenset({"db.index.vector.querynodes", "db.index.vector.queryrelationships",
                             "db.index.fulltext.querynodes", "db.labels", "db.relationshiptypes",
                             "db.propertykeys", "db.schema.visualization", "db.schema.nodetypeproperties",
                             "db.schema.reltypeproperties"})
COMMENTS_AND_STRINGS = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", re.DOTALL)


def add_directory(directory: Path) -> None:
    """Also look statements up in ``directory`` (after the package's own); for tests and benchmarks."""
    directory = Path(directory).resolve()
    if directory not in EXTRA_DIRS:
        EXTRA_DIRS.append(directory)


@cache
def statement(name: str) -> str:
    """The text of statement ``name`` (comments kept; Neo4j ignores ``//`` lines)."""
    if not re.fullmatch(r"[a-z0-9_/]+", name):
        raise KgrecError(f"invalid statement name {name!r}")
    for root in (CYPHER_DIR, *EXTRA_DIRS):
        resource = root.joinpath(*f"{name}.cypher".split("/"))
        if resource.is_file():
            return resource.read_text(encoding="utf-8")
    raise KgrecError(f"missing Cypher statement {name!r} (looked in the installed package's {CYPHER_DIR}"
                     + "".join(f", {d}" for d in EXTRA_DIRS) + ")")


def is_read_only(text: str) -> bool:
    """True when ``text`` only reads: no writing or schema clause and only read procedures, judged outside
    comments, strings and quoted names. :class:`kgrec.db.Graph` runs such statements in read sessions,
    which a cluster routes to its secondaries; everything else goes to a primary."""
    code = COMMENTS_AND_STRINGS.sub(" ", text)
    if WRITE_CLAUSES.search(code):
        return False
    return all(proc.lower() in READ_PROCEDURES for proc in PROCEDURE_CALL.findall(code))


def available() -> list[str]:
    """Names of the statements shipped with the package."""
    return sorted(_walk(CYPHER_DIR, ""))


def _walk(node: Traversable, prefix: str) -> list[str]:
    names = []
    for child in node.iterdir():
        if child.is_dir():
            names += _walk(child, f"{prefix}{child.name}/")
        elif child.name.endswith(".cypher"):
            names.append(prefix + child.name.removesuffix(".cypher"))
    return names


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
