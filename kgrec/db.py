"""Neo4j I/O: driver creation with clear errors, named statements, batched writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import neo4j
import numpy as np
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from kgrec.cypher import statement
from kgrec.errors import KgrecError
from kgrec.settings import Settings


class Batch(NamedTuple):
    """One committed batch of :meth:`Graph.write_batches`."""

    rows: list[dict[str, Any]]
    records: list[dict[str, Any]]
    counters: neo4j.SummaryCounters


def vector_rows(keys: Sequence[str], vectors: np.ndarray, field: str, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """``{"key": k, field: [floats]}`` rows for :meth:`Graph.write_batches`, converting ``chunk`` vectors
    to Python lists at a time (never the whole matrix at once)."""
    for start in range(0, len(keys), chunk):
        block = vectors[start:start + chunk].tolist()
        yield from ({"key": k, field: v} for k, v in zip(keys[start:start + chunk], block, strict=True))


def connect(settings: Settings) -> neo4j.Driver:
    return GraphDatabase.driver(settings.effective_uri,
                                auth=(settings.user, settings.effective_password),
                                connection_timeout=5.0, max_connection_pool_size=64,
                                notifications_min_severity="OFF")


def connection_error(settings: Settings, exc: Exception) -> KgrecError:
    """A one-line error (with a hint) for a failed connection or a rejected login."""
    if isinstance(exc, AuthError):
        src = settings.sources.get("password", "the managed password file")
        return KgrecError(f"Neo4j rejected user {settings.user!r} at {settings.effective_uri}: "
                          f"wrong password (from {src})", hint="check NEO4J_USER / NEO4J_PASSWORD")
    hint = "run `kgrec db start`" if settings.managed else "check NEO4J_URI and that the server is up"
    return KgrecError(f"Neo4j is not reachable at {settings.effective_uri} ({exc})", hint=hint)


class Graph:
    """A thin handle: one driver, named statements, and batched UNWIND writes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.driver = connect(settings)

    def __enter__(self) -> Graph:
        try:
            self.driver.verify_connectivity()
        except (ServiceUnavailable, AuthError) as exc:
            self.close()
            raise connection_error(self.settings, exc) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.driver.close()

    def session(self, **kwargs: Any) -> neo4j.Session:
        return self.driver.session(database=self.settings.database, **kwargs)

    def run(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run named statement ``name`` in an auto-commit transaction; return records as dicts."""
        return self.query(statement(name), **params)

    def query(self, text: str, /, **params: Any) -> list[dict[str, Any]]:
        with self.session() as sess:
            return [r.data() for r in sess.run(text, params)]

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named read statement in a managed read transaction (retried on transient errors)."""
        text = statement(name)
        with self.session() as sess:
            return sess.execute_read(lambda tx: [r.data() for r in tx.run(text, params)])

    def write_batches(self, text: str, rows: Iterable[dict[str, Any]], batch_size: int = 5000, /,
                      **params: Any) -> Iterator[Batch]:
        """UNWIND ``rows`` through ``text`` (as ``$rows``), one write transaction per batch.

        Yields each committed batch's rows, returned records and counters (progress bars, checks).
        """
        def work(tx: neo4j.ManagedTransaction, batch: list[dict[str, Any]]) -> Batch:
            result = tx.run(text, rows=batch, **params)
            records = [record.data() for record in result]
            return Batch(batch, records, result.consume().counters)

        batch: list[dict[str, Any]] = []
        with self.session() as sess:
            for row in rows:
                batch.append(row)
                if len(batch) >= batch_size:
                    yield sess.execute_write(work, batch)
                    batch = []
            if batch:
                yield sess.execute_write(work, batch)
