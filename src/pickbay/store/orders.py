"""The shared `orders` row every dialect's order has: the optimistic-lock write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange
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
