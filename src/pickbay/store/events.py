"""The durable event log: append in the writer's transaction, read by sequence number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.events import Event, StoredEvent
from pickbay.store.tables import events


def row(event: Event, *, dialect: str, tenant: str, order_id: int | None) -> dict[str, Any]:
    """The log row of one event."""
    return {
        "at": event.at,
        "dialect": dialect,
        "tenant": tenant,
        "order_id": order_id,
        "type": event.type,
        "payload": event.payload,
    }


async def append(
    conn: AsyncConnection,
    *,
    dialect: str,
    tenant: str,
    order_id: int | None,
    new: Sequence[Event],
) -> None:
    """Append one order's events in the caller's transaction (they commit with its state)."""
    await append_rows(
        conn, [row(e, dialect=dialect, tenant=tenant, order_id=order_id) for e in new]
    )


async def append_rows(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Append prepared event rows (see `row`) in one statement."""
    if rows:
        await conn.execute(insert(events), rows)


async def read(
    conn: AsyncConnection,
    *,
    since: int = 0,
    limit: int = 1000,
    tenant: str | None = None,
    order_id: int | None = None,
) -> list[StoredEvent]:
    """Events with seq > `since`, oldest first, optionally for one tenant or one order."""
    query = select(events).where(events.c.seq > since).order_by(events.c.seq).limit(limit)
    if tenant is not None:
        query = query.where(events.c.tenant == tenant)
    if order_id is not None:
        query = query.where(events.c.order_id == order_id)
    rows = (await conn.execute(query)).mappings()
    return [
        StoredEvent(
            seq=r["seq"],
            type=r["type"],
            at=r["at"],
            dialect=r["dialect"],
            tenant=r["tenant"],
            order_id=r["order_id"],
            payload=r["payload"],
        )
        for r in rows
    ]
