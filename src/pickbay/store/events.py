"""The durable event log: append in the writer's transaction, read by sequence number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.events import Event, StoredEvent
from pickbay.store.query import where_given
from pickbay.store.tables import events

# Set on a connection whose transaction wrote events; the database announces the commit.
EVENTS_WRITTEN = "pickbay.events_written"


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
        conn.info[EVENTS_WRITTEN] = True


async def last_seq(conn: AsyncConnection) -> int:
    """The highest sequence number in the log (0 when it is empty)."""
    return int((await conn.execute(select(func.max(events.c.seq)))).scalar() or 0)


# The relay's read after every commit, built once (building it cost more than running it).
_SINCE = (
    select(events)
    .where(events.c.seq > bindparam("since"))
    .order_by(events.c.seq)
    .limit(bindparam("limit"))
)


async def read(
    conn: AsyncConnection,
    *,
    since: int = 0,
    until: int | None = None,
    limit: int = 1000,
    tenant: str | None = None,
    dialect: str | None = None,
    order_id: int | None = None,
) -> list[StoredEvent]:
    """Events with `since` < seq (<= `until`), oldest first, optionally narrowed."""
    if until is None and tenant is None and dialect is None and order_id is None:
        rows = await conn.execute(_SINCE, {"since": since, "limit": limit})
        return _stored(rows.mappings())
    query = select(events).where(events.c.seq > since).order_by(events.c.seq).limit(limit)
    if until is not None:
        query = query.where(events.c.seq <= until)
    query = where_given(
        query,
        (events.c.tenant, tenant),
        (events.c.dialect, dialect),
        (events.c.order_id, order_id),
    )
    return _stored((await conn.execute(query)).mappings())


async def read_seqs(conn: AsyncConnection, seqs: Sequence[int]) -> list[StoredEvent]:
    """The events with these sequence numbers that exist now, oldest first."""
    if not seqs:
        return []
    query = select(events).where(events.c.seq.in_(list(seqs))).order_by(events.c.seq)
    return _stored((await conn.execute(query)).mappings())


def _stored(rows: Any) -> list[StoredEvent]:
    return [StoredEvent(**r) for r in rows]
