"""The shared `orders` row every dialect's order has: inserting it, the optimistic-lock
write, an order's events and timers, and summaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange
from pickbay.core.events import Event
from pickbay.core.orders import OrderSummary
from pickbay.core.timers import TimerRequest
from pickbay.store import events as event_log
from pickbay.store import timers as timer_store
from pickbay.store.query import where_given
from pickbay.store.tables import orders


def new_row(
    *,
    dialect: str,
    tenant: str,
    number: str,
    kind: str,
    state: str,
    created_at: datetime,
    updated_at: datetime | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The shared row of a new order (at version 1)."""
    return {
        "dialect": dialect,
        "tenant": tenant,
        "number": number,
        "kind": kind,
        "state": state,
        "created_at": created_at,
        "updated_at": updated_at,
        "version": 1,
        "data": data,
    }


async def insert_rows(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert new order rows (see `new_row`) in one statement; their ids, in the same order."""
    result = await conn.execute(
        insert(orders).returning(orders.c.id, sort_by_parameter_order=True), rows
    )
    return [int(i) for i in result.scalars().all()]


async def append_history(
    conn: AsyncConnection,
    *,
    dialect: str,
    tenant: str,
    row_id: int | None,
    events: Sequence[Event],
    timers: Iterable[TimerRequest],
) -> None:
    """An order's new events and the timers it asked for."""
    await event_log.append(conn, dialect=dialect, tenant=tenant, order_id=row_id, new=events)
    await timer_store.add(conn, ((row_id, t) for t in timers))


async def save_version(
    conn: AsyncConnection, row_id: int, version: int, label: str, **values: Any
) -> int:
    """Write `values` to the order row if it is still at `version`; returns the next version.

    ConcurrentChange if another writer got there first (the caller reloads and retries).
    """
    result = await conn.execute(
        update(orders)
        .where(and_(orders.c.id == row_id, orders.c.version == version))
        .values(version=version + 1, **values)
    )
    if result.rowcount != 1:
        raise ConcurrentChange(f"{label} was changed concurrently")
    return version + 1


# The summary's fields are the row's columns, by name.
_SUMMARY = select(*(orders.c[f.name] for f in fields(OrderSummary)))


async def summaries(
    conn: AsyncConnection,
    *,
    dialect: str | None = None,
    tenant: str | None = None,
    state: str | None = None,
    before: int | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 50,
) -> list[OrderSummary]:
    """Orders of every dialect, newest first, optionally narrowed (`before`: ids below it)."""
    query = where_given(
        _SUMMARY.order_by(orders.c.id.desc()).limit(limit),
        (orders.c.dialect, dialect),
        (orders.c.tenant, tenant),
        (orders.c.state, state),
    )
    if before is not None:
        query = query.where(orders.c.id < before)
    if ids is not None:
        query = query.where(orders.c.id.in_(list(ids)))
    return [OrderSummary(**r) for r in (await conn.execute(query)).mappings()]


async def order_tenant(conn: AsyncConnection, row_id: int) -> str | None:
    """The tenant of an order row, or None if it is gone."""
    found: str | None = (
        await conn.execute(select(orders.c.tenant).where(orders.c.id == row_id))
    ).scalar()
    return found
