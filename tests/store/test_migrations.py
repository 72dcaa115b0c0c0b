"""Migrations that change stored data, on SQLite and on PostgreSQL."""

from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import Connection, insert, select

from pickbay.store.db import Database, alembic_config
from pickbay.store.tables import events
from tests.conftest import T0, asyncpg_url, create_postgres_database, drop_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
async def blank_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """An empty database on each engine."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/blank.db"
        return
    url = await create_postgres_database()
    try:
        yield asyncpg_url(url)
    finally:
        await drop_postgres_database(url)


def _upgrade(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


async def test_pickup_cloud_event_types_lose_their_vendor_prefix(blank_url: str) -> None:
    db = Database(blank_url)
    try:
        async with db.transaction() as conn:
            await conn.run_sync(_upgrade, "0003")
            await conn.execute(
                insert(events),
                [
                    {"type": t, "at": T0, "dialect": d, "tenant": "dev", "payload": {}}
                    for d, t in (
                        ("pickup_cloud", "pickup_cloud.order_state_changed"),
                        ("pickup_cloud", "pickup_cloud.article_state_changed"),
                        ("pickup_cloud", "pickup_cloud.order_updated"),
                        ("itempath", "order.created"),
                    )
                ],
            )
        await db.migrate()
        async with db.transaction() as conn:
            types = (await conn.execute(select(events.c.type).order_by(events.c.seq))).scalars()
            assert list(types) == [
                "order.state_changed",
                "article.state_changed",
                "order.updated",
                "order.created",
            ]
    finally:
        await db.dispose()
