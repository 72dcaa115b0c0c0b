"""The shared `orders` row every dialect's order has: the optimistic-lock write, summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange
from pickbay.core.orders import OrderSummary
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


def _summary(row: Any) -> OrderSummary:
    return OrderSummary(
        id=row["id"],
        dialect=row["dialect"],
        tenant=row["tenant"],
        number=row["number"],
        kind=row["kind"],
        state=row["state"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


_SUMMARY = select(
    orders.c.id,
    orders.c.dialect,
    orders.c.tenant,
    orders.c.number,
    orders.c.kind,
    orders.c.state,
    orders.c.created_at,
    orders.c.updated_at,
    orders.c.version,
)


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
    query = _SUMMARY.order_by(orders.c.id.desc()).limit(limit)
    if dialect is not None:
        query = query.where(orders.c.dialect == dialect)
    if tenant is not None:
        query = query.where(orders.c.tenant == tenant)
    if state is not None:
        query = query.where(orders.c.state == state)
    if before is not None:
        query = query.where(orders.c.id < before)
    if ids is not None:
        query = query.where(orders.c.id.in_(list(ids)))
    return [_summary(r) for r in (await conn.execute(query)).mappings()]
