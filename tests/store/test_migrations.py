"""Migrations that change stored data, on SQLite and on PostgreSQL."""

from collections.abc import AsyncIterator

import pytest
from alembic import command
from sqlalchemy import Connection, insert, select

from pickbay.store.db import Database, alembic_config
from pickbay.store.tables import events, order_refs, orders
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


async def test_origin_numbers_move_inside_their_tenant(blank_url: str) -> None:
    db = Database(blank_url)
    try:
        async with db.transaction() as conn:
            await conn.run_sync(_upgrade, "0006")
            row = {"dialect": "pickup_cloud", "state": "READYFORINPUT", "created_at": T0}
            ids = []
            for tenant, number, kind, data in (
                ("pis", "PIS-1", "on-behalf-of", {"origin": "shop", "origin_order_number": "W-1"}),
                ("shop", "W-2", "one-time", {"origin": None, "origin_order_number": None}),
            ):
                result = await conn.execute(
                    insert(orders).values(
                        **row, tenant=tenant, number=number, kind=kind, version=1, data=data
                    )
                )
                ids.append(result.inserted_primary_key[0])
            refs = [
                (ids[0], "pis", "PIS-1"),
                (ids[0], "shop", "W-1"),  # the origin's number, scoped by its name alone
                (ids[1], "shop", "W-2"),
            ]
            await conn.execute(
                insert(order_refs),
                [
                    {"dialect": "pickup_cloud", "scope": s, "kind": "order_number", "value": v}
                    | {"order_id": i}
                    for i, s, v in refs
                ],
            )
        await db.migrate()
        async with db.transaction() as conn:
            stored = (await conn.execute(select(order_refs.c.order_id, order_refs.c.scope))).all()
            assert sorted(stored) == sorted(
                [(ids[0], "pis"), (ids[0], "pis\nshop"), (ids[1], "shop")]
            )
            await conn.execute(
                insert(order_refs).values(
                    dialect="pickup_cloud",
                    scope="p" * 100 + "\n" + "o" * 100,
                    kind="order_number",
                    value="W-1",
                    order_id=ids[1],
                )
            )
    finally:
        await db.dispose()
