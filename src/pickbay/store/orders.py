"""The shared `orders` row every dialect's order has: the optimistic-lock write, summaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange
from pickbay.core.orders import OrderSummary
from pickbay.store.query import where_given
from pickbay.store.tables import orders


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
