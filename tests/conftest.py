"""Shared fixtures: databases (SQLite and PostgreSQL), a runtime, an HTTP client."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from pickbay.app import create_app
from pickbay.config import Settings
from pickbay.core.clock import Clock, ClockState
from pickbay.runtime import Runtime
from tests.webhooks.receiver import Receiver

pytest_plugins = ["pytester"]

POSTGRES_URL = os.environ.get(
    "PICKBAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PICKBAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = datetime(2030, 1, 15, 9, 0, 0, tzinfo=UTC)


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def paused_clock(at: datetime = T0) -> Clock:
    """A virtual clock stopped at `at` (tests move it only through the API or the scheduler)."""
    return Clock(ClockState(anchor=at, wall_anchor=at, paused=True, speed=1.0), wall=FakeWall(at))


async def _fresh_postgres_database() -> str:
    """A new empty database beside the test one; returns its URL."""
    name = f"pickbay_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test (PostgreSQL must be running)."""
    url = await _fresh_postgres_database()
    try:
        yield url.replace("postgresql://", "postgresql+asyncpg://")
    finally:
        await _drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'pickbay.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL (which must be running)."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    url = await _fresh_postgres_database()
    try:
        yield url.replace("postgresql://", "postgresql+asyncpg://")
    finally:
        await _drop_postgres_database(url)


def settings_for(url: str, **overrides: object) -> Settings:
    """Sandbox settings on `url`, with the background scheduler off (tests fire timers)."""
    return Settings(database_url=url, scheduler=False, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    """A started runtime on a paused clock, on each database."""
    rt = Runtime(settings_for(database_url), clock=paused_clock())
    await rt.start()
    try:
        yield rt
    finally:
        await rt.stop()


@pytest.fixture
async def app_runtime(sqlite_url: str) -> AsyncIterator[Runtime]:
    """The runtime behind `client` (SQLite, paused clock)."""
    rt = Runtime(settings_for(sqlite_url), clock=paused_clock())
    return rt


@pytest.fixture
async def client(app_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app, started through its lifespan."""
    app = create_app(runtime=app_runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            yield c


@pytest.fixture
def dev() -> dict[str, str]:
    """Headers of the sandbox tenant."""
    return {"x-api-key": "dev"}


@pytest.fixture
def admin() -> dict[str, str]:
    """Headers of pickbay's own API."""
    return {"Authorization": "Bearer dev"}


@pytest.fixture
def free_port() -> Iterator[int]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    return port


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real HTTP webhook receiver on a free port."""
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.stop()
