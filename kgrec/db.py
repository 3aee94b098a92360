"""Neo4j I/O: driver creation with clear errors, named statements, batched writes.

Every statement runs with retries on transient faults (a lost connection, a deadlock, a restarting
server): managed transactions (:meth:`Graph.read`, :meth:`Graph.write`, :meth:`Graph.write_batches`)
through the driver's own retry loop, auto-commit statements (:meth:`Graph.query`, needed for schema
changes and ``CALL {} IN TRANSACTIONS``) through :func:`with_retries`. Both give up after
``KGREC_RETRY_SECONDS`` (default 30) with exponential backoff; the error then reaches the CLI's one-line
error boundary (:mod:`kgrec.cli`).
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

import neo4j
import numpy as np
from neo4j import GraphDatabase
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DatabaseUnavailable,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from kgrec.cypher import is_read_only, statement
from kgrec.errors import KgrecError
from kgrec.settings import Settings

T = TypeVar("T")
logging.getLogger("neo4j").addHandler(logging.NullHandler())  # no "will be retried" warnings on stderr
DEFAULT_RETRY_SECONDS = 30.0
RATE_LIMIT_CODE = "Neo.ClientError.Security.AuthenticationRateLimit"
AUTH_LOCK_WAIT_S = 5.5        # Neo4j's dbms.security.auth_lock_time (5 s) plus a margin
CONNECT_ATTEMPTS = 3


def retry_seconds() -> float:
    """How long transient faults are retried (``KGREC_RETRY_SECONDS``, default 30 s)."""
    raw = os.environ.get("KGREC_RETRY_SECONDS", "")
    try:
        value = float(raw) if raw else DEFAULT_RETRY_SECONDS
    except ValueError:
        raise KgrecError(f"KGREC_RETRY_SECONDS={raw[:40]!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise KgrecError(f"KGREC_RETRY_SECONDS={raw[:40]!r}: use 0 to 3600 seconds")
    return value


def is_transient(exc: BaseException) -> bool:
    """A fault worth retrying: lost connection or a retryable server error (never a half-known commit)."""
    if isinstance(exc, IncompleteCommit):
        return False
    if isinstance(exc, ServiceUnavailable | SessionExpired):
        return True
    return isinstance(exc, TransientError) and exc.is_retryable()


def with_retries(work: Callable[[], T], seconds: float | None = None) -> T:
    """Run ``work`` again on transient faults with exponential backoff (1 s, 2 s, 4 s … +-20 %) for at most
    ``seconds`` (default :func:`retry_seconds`); the last fault is raised."""
    limit = retry_seconds() if seconds is None else seconds
    start, delay = time.monotonic(), 1.0
    while True:
        try:
            return work()
        except Exception as exc:
            elapsed = time.monotonic() - start
            if not is_transient(exc) or elapsed + delay > limit:
                raise
        time.sleep(delay * random.uniform(0.8, 1.2))
        delay *= 2


class QuietRows(list):
    """A batch of rows sent as an ordinary Bolt list, with a one-line ``repr``.

    neo4j 6.4.1 builds the text of its debug log line for every RUN — ``repr`` of all parameters — before
    the logger decides not to emit it (``_bolt5.py``, ``log.debug(..., " ".join(map(repr, fields)))``).
    For 5,000 rows of 65 floats that string costs ~0.25 s per batch, ~3/4 of a vector write-back; the
    server never sees the difference."""

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def quiet(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with every long list parameter as :class:`QuietRows` (same values on the wire)."""
    return {k: QuietRows(v) if isinstance(v, list) and len(v) > 100 else v for k, v in params.items()}


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
                                max_transaction_retry_time=retry_seconds(),
                                notifications_min_severity="OFF")


def connection_error(settings: Settings, exc: Exception) -> KgrecError:
    """A one-line error (with a hint) for a failed connection or a rejected login."""
    if is_rate_limited(exc):
        return KgrecError(f"Neo4j at {settings.effective_uri} has rate-limited logins of user {settings.user!r} for a "
                          "few seconds after repeated wrong passwords",
                          hint="check NEO4J_USER / NEO4J_PASSWORD, then retry after 5 seconds")
    if isinstance(exc, AuthError):
        src = settings.sources.get("password", "the managed password file")
        return KgrecError(f"Neo4j rejected user {settings.user!r} at {settings.effective_uri}: "
                          f"wrong password (from {src})", hint="check NEO4J_USER / NEO4J_PASSWORD")
    hint = "run `kgrec db start`" if settings.managed else "check NEO4J_URI and that the server is up"
    text = exc.message if isinstance(exc, Neo4jError) and exc.message else str(exc)
    detail = text.splitlines()[0][:200] if text else type(exc).__name__
    return KgrecError(f"Neo4j is not reachable at {settings.effective_uri} ({detail})", hint=hint)


@contextmanager
def incomplete_load(name: str, done: Callable[[], float], total: int) -> Iterator[None]:
    """Turn a Neo4j failure in the middle of a (resumable) load into one line saying the load is incomplete
    and that re-running it completes it exactly; the dataset record stays ``status: 'loading'``."""
    try:
        yield
    except (Neo4jError, DriverError) as exc:
        kind = "unavailable" if is_unavailable(exc) else type(exc).__name__
        text = exc.message if isinstance(exc, Neo4jError) and exc.message else str(exc)
        detail = (text.splitlines() or [""])[0][:200]
        raise KgrecError(f"the load of dataset {name!r} is INCOMPLETE: {int(done()):,} of {total:,} rows were "
                         f"written before Neo4j failed ({kind}: {detail}); the dataset is marked 'loading'",
                         hint="once Neo4j is up, re-run the same `kgrec load` command: it resumes (MERGE on "
                              "keys) and completes the load exactly") from exc


def refuse_incomplete(record: dict[str, Any] | None, what: str = "use") -> None:
    """Raise if a (:KgrecDataset) record says its load was interrupted (``status: 'loading'``)."""
    if record is not None and record.get("status") == "loading":
        raise KgrecError(f"dataset {record.get('name')!r} is incomplete (its load was interrupted); "
                         f"refusing to {what} it",
                         hint="re-run its `kgrec load` command: it completes the load exactly")


def is_unavailable(exc: BaseException) -> bool:
    """The server is down, restarting or unreachable (as opposed to refusing the request)."""
    return isinstance(exc, ServiceUnavailable | SessionExpired | DatabaseUnavailable)


def is_rate_limited(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and exc.code == RATE_LIMIT_CODE


class Graph:
    """A thin handle: one driver, named statements, and batched UNWIND writes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.driver = connect(settings)
        self._rate_limited = False
        self.serving_stats: dict[tuple, float] = {}   # measured per connection (recommend's filter pass rates)

    def __enter__(self) -> Graph:
        try:
            self._verify()
        except (ServiceUnavailable, SessionExpired, AuthError, ClientError) as exc:
            self.close()
            if isinstance(exc, ClientError) and not isinstance(exc, AuthError) and not is_rate_limited(exc):
                raise
            error = connection_error(self.settings, exc)
            if self._rate_limited and not is_rate_limited(exc):
                error = KgrecError(f"{error} (logins had been rate-limited after repeated wrong passwords; "
                                   "kgrec waited for the lock to lapse and tried once more)", hint=error.hint)
            raise error from None
        return self

    def _verify(self) -> None:
        """Connect and log in: a few quick retries if the server is unreachable; after Neo4j's login rate
        limit (tripped by someone's wrong passwords) one wait for the lock to lapse, then one more try."""
        self._rate_limited = False
        for attempt in range(1, CONNECT_ATTEMPTS + 1):
            try:
                self.driver.verify_connectivity()
                return
            except ClientError as exc:
                if not is_rate_limited(exc) or self._rate_limited:
                    raise
                self._rate_limited = True
                time.sleep(AUTH_LOCK_WAIT_S)
            except (ServiceUnavailable, SessionExpired):
                if attempt == CONNECT_ATTEMPTS:
                    raise
                time.sleep(0.5 * attempt)

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
        """Run ``text`` in an auto-commit transaction (retried on transient faults); records as dicts.
        A read-only statement (:func:`kgrec.cypher.is_read_only`) runs in a read session, so a cluster
        routes it to a secondary; any other in a write session, which goes to a primary."""
        mode = neo4j.READ_ACCESS if is_read_only(text) else neo4j.WRITE_ACCESS
        params = quiet(params)

        def work() -> list[dict[str, Any]]:
            with self.session(default_access_mode=mode) as sess:
                return [r.data() for r in sess.run(text, params)]

        return with_retries(work)

    def write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work(tx)`` in one managed write transaction (retried on transient faults, then committed)."""
        with self.session() as sess:
            return sess.execute_write(work)

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """Run a named read statement as one auto-commit transaction in a read session (retried on
        transient errors): one network round trip (RUN + PULL pipelined), where a managed transaction
        needs a second one for COMMIT; a cluster still routes it to a reader."""
        text = statement(name)

        def work() -> list[dict[str, Any]]:
            with self.session(default_access_mode=neo4j.READ_ACCESS) as sess:
                return [r.data() for r in sess.run(text, params)]

        return with_retries(work)

    def pages(self, text: str, prefix: str, limit: int, /, **params: Any) -> Iterator[dict[str, Any]]:
        """Keyset pagination over key-ordered nodes: ``text`` takes ``$prefix``/``$after``/``$limit`` and each
        page returns ``n`` and ``last`` (or ``keys``); one read transaction per page, until an empty page."""
        after = ""
        with self.session(default_access_mode=neo4j.READ_ACCESS) as sess:
            while True:
                page = sess.execute_read(lambda tx, a=after: tx.run(text, prefix=prefix, after=a, limit=limit,
                                                                     **params).single().data())
                if not page.get("n", len(page.get("keys", []))):
                    return
                yield page
                after = page.get("last") or page["keys"][-1]

    def write_batches(self, text: str, rows: Iterable[dict[str, Any]], batch_size: int = 5000, /,
                      **params: Any) -> Iterator[Batch]:
        """UNWIND ``rows`` through ``text`` (as ``$rows``), one write transaction per batch.

        Yields each committed batch's rows, returned records and counters (progress bars, checks).
        """
        def work(tx: neo4j.ManagedTransaction, batch: list[dict[str, Any]]) -> Batch:
            result = tx.run(text, rows=QuietRows(batch), **params)
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
