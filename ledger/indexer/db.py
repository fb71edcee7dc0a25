"""Engines for the index: SQLite (default, one file in the data directory) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError

from ledger.config import env_name
from ledger.errors import IndexUnreadable, InvalidInput


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy's default driver is psycopg2)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith(("sqlite", "postgresql+psycopg://")):
        raise InvalidInput(
            env_name("index_url"), "must be a sqlite:// or postgresql:// URL", url=url
        )
    return url


def make_engine(url: str) -> Engine:
    """An engine for the index at ``url``; SQLite runs in WAL mode so readers never block the
    follower's writes."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=False
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling issues no BEGIN before SELECT; ask for one
            # explicitly so a range and its cursor commit as one unit
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            mode = connection.get_execution_options().get(_SQLITE_BEGIN, "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())

        return engine
    return create_engine(url, pool_pre_ping=True)


#: the execution option naming how a SQLite transaction begins (``IMMEDIATE``: :func:`write_engine`)
_SQLITE_BEGIN = "tradeledger_sqlite_begin"


def write_engine(engine: Engine) -> Engine:
    """``engine`` for transactions that write after they read (the follower's ranges, unwinds
    and replays). On SQLite they begin ``IMMEDIATE``: the write lock is taken at ``BEGIN``,
    waiting for another process's writer within the busy timeout (30 s). A ``BEGIN`` read
    first and asked for the lock at its first write, when another process — the served gateway
    beside a CLI command — had committed since its read: SQLite refuses that upgrade at once
    (``SQLITE_BUSY_SNAPSHOT``: "database is locked", no wait), and a tryout's ``doc receive``
    beside its gateway died of it. PostgreSQL: ``engine`` itself (its row locks,
    ``with_for_update``, order the writers)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})


def unreadable_sqlite(url: str, exc: BaseException) -> IndexUnreadable | None:
    """``exc`` as :class:`IndexUnreadable` when it is SQLite's refusal to read the file of the
    SQLite ``url`` as a database at all — not a lock or another transient error
    (``sqlite3.OperationalError``, "database is locked", stays what it is) —, else None."""
    cause = exc.orig if isinstance(exc, DatabaseError) else exc
    if type(cause) is not sqlite3.DatabaseError:
        return None
    path = sqlite_path(url)
    return None if path is None else IndexUnreadable(path, str(cause))


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite ``url`` (None: another database, or SQLite in memory)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


def set_aside(path: Path) -> Path:
    """Move an unreadable index file (with its ``-wal`` and ``-shm`` beside it) to
    ``<name>.unreadable-<UTC time>`` in its directory, kept for whoever looks into the fault:
    nothing is deleted. The new name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside
