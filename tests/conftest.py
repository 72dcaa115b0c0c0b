"""Shared fixtures: databases (SQLite and PostgreSQL), a runtime, an HTTP client."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from pickbay.app import create_app
from pickbay.config import Settings
from pickbay.core.clock import Clock, ClockState
from pickbay.runtime import Runtime
from pickbay.store.db import Database
from tests.webhooks.receiver import Receiver

pytest_plugins = ["pytester"]

POSTGRES_URL = os.environ.get(
    "PICKBAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PICKBAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T = TypeVar("T")
T0 = datetime(2030, 1, 15, 9, 0, 0, tzinfo=UTC)


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


CHROMIUM = os.environ.get("PICKBAY_TEST_CHROMIUM", "/usr/bin/chromium")


def paused_clock(at: datetime = T0) -> Clock:
    """A virtual clock stopped at `at` (tests move it only through the API or the scheduler)."""
    return Clock(ClockState(anchor=at, wall_anchor=at, paused=True, speed=1.0), wall=FakeWall(at))


async def create_postgres_database(template: str | None = None) -> str:
    """A new database beside the test one (a copy of `template` if given); returns its URL."""
    name = f"pickbay_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.dispose()


def run_alone(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on a loop of its own, in a thread (a test's loop may be running here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def asyncpg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://")


# Every test gets a copy of one database migrated once per session (a SQLite file copy, a
# PostgreSQL CREATE DATABASE ... TEMPLATE), so it pays only for its own work.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (the Debian package; CI installs it)."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file to copy."""
    path = tmp_path_factory.mktemp("template") / "pickbay.db"
    run_alone(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a migrated PostgreSQL database to copy (PostgreSQL must be running)."""
    url = run_alone(create_postgres_database())
    try:
        run_alone(_migrate(asyncpg_url(url)))
        yield url.rsplit("/", 1)[1]
    finally:
        run_alone(drop_postgres_database(url))


@pytest.fixture
async def postgres_url(postgres_template: str) -> AsyncIterator[str]:
    """A migrated PostgreSQL database of its own for one test."""
    url = await create_postgres_database(postgres_template)
    try:
        yield asyncpg_url(url)
    finally:
        await drop_postgres_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite file of its own for one test."""
    path = tmp_path / "pickbay.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL (which must be running)."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    template: str = request.getfixturevalue("postgres_template")
    url = await create_postgres_database(template)
    try:
        yield asyncpg_url(url)
    finally:
        await drop_postgres_database(url)


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
