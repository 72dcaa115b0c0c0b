"""The database: engine setup for SQLite and PostgreSQL, transactions, and migrations."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from pickbay.config import normalize_database_url
from pickbay.store.events import EVENTS_WRITTEN

MIGRATIONS = Path(__file__).parent / "migrations"
READERS = 4


class Database:
    """One async engine; `transaction()` is the unit of work (commit once, or roll back)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_database_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            # SQLite has one writer: one connection serializes every transaction in-process,
            # so concurrent requests queue instead of failing with "database is locked".
            # Every use is an engine.begin() block that ends in COMMIT or ROLLBACK, so the
            # pool need not roll back again on check-in (one round trip per transaction saved).
            kwargs.update(
                poolclass=AsyncAdaptedQueuePool,
                pool_size=1,
                max_overflow=0,
                pool_reset_on_return=None,
            )
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self.reader: AsyncEngine | None = None
        self.on_events_committed: list[Callable[[], None]] = []
        self._locks: dict[str, asyncio.Lock] = {}
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            if make_url(self.url).database not in (None, "", ":memory:"):
                self.reader = _sqlite_reader(self.url, echo=echo)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; each statement sees the latest committed state.

        On SQLite reads get their own WAL connections (autocommit, no BEGIN/COMMIT round
        trips), so they neither wait for the single writer nor hold it up. Elsewhere this
        is a transaction on the shared pool.
        """
        if self.reader is None:
            async with self.transaction() as conn:
                yield conn
            return
        async with self.reader.connect() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction, committed when the block exits cleanly.

        If the transaction wrote events, every `on_events_committed` callback runs after
        the commit.
        """
        async with self.engine.begin() as conn:
            try:
                yield conn
            finally:
                wrote = conn.info.pop(EVENTS_WRITTEN, False)
        if wrote:
            for callback in self.on_events_committed:
                callback()

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold the deployment-wide lock `name` for the block (one holder at a time).

        On PostgreSQL a session advisory lock on a connection of its own, so every process
        of the deployment waits for it; the database frees it if the holder dies. SQLite is
        one process: a lock of this process serves.
        """
        local = self._locks.setdefault(name, asyncio.Lock())
        async with local:  # this process's callers queue here, holding no connection
            if self.is_sqlite:
                yield
                return
            key = zlib.crc32(f"pickbay:{name}".encode())
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                await conn.commit()
                try:
                    yield
                finally:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    await conn.commit()

    async def migrate(self) -> None:
        """Bring the schema to the newest migration (a read of its version when it is there)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.reader is not None:
            await self.reader.dispose()
        await self.engine.dispose()


def _sqlite_reader(url: str, *, echo: bool) -> AsyncEngine:
    # A few connections, each with its own aiosqlite thread, so reads overlap.
    reader = create_async_engine(
        url,
        echo=echo,
        poolclass=AsyncAdaptedQueuePool,
        pool_size=READERS,
        max_overflow=0,
        pool_reset_on_return=None,
        isolation_level="AUTOCOMMIT",
        skip_autocommit_rollback=True,
    )
    event.listen(reader.sync_engine, "connect", _sqlite_reader_pragmas)
    return reader


def _sqlite_reader_pragmas(dbapi_conn: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config() -> Config:
    """The Alembic configuration of pickbay's migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@cache
def _head() -> str | None:
    """The newest migration's revision (read from the scripts once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(conn: Connection) -> None:
    if MigrationContext.configure(conn).get_current_revision() == _head():
        return
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
