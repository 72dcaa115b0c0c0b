"""Stored timers: the simulator's pending steps, fired by the scheduler when the clock says."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.timers import TimerRequest
from pickbay.store.tables import timers


@dataclass(frozen=True)
class Timer:
    """A step due at virtual time `due_at`."""

    id: int
    due_at: datetime
    kind: str
    order_id: int | None
    payload: dict[str, Any]
    planned_at: datetime | None = None  # a step that takes time: when it was planned


# The earliest due time of the timers this process stored since `watch()` (the scheduler
# fires a batch of due timers in turn while nothing due before the next one was added).
_earliest: list[datetime | None] = [None]


def watch() -> None:
    """Start noting the earliest due time of timers stored from now on, in this process."""
    _earliest[0] = None


def earliest_added() -> datetime | None:
    """The earliest due time of the timers stored since `watch()`, if any were."""
    return _earliest[0]


async def add(conn: AsyncConnection, requests: Iterable[tuple[int | None, TimerRequest]]) -> None:
    """Store timer requests, each for an order row (or none), in the caller's transaction."""
    wanted = list(requests)
    rows = [
        {
            "due_at": t.at,
            "kind": t.kind.key,
            "order_id": order_id,
            "payload": t.data,
            "planned_at": t.since,
        }
        for order_id, t in wanted
    ]
    if rows:
        await conn.execute(insert(timers), rows)
        first = min(t.at for _, t in wanted)
        if _earliest[0] is None or first < _earliest[0]:
            _earliest[0] = first


_DUE = (
    select(timers)
    .where(timers.c.due_at <= bindparam("until"))
    .order_by(timers.c.due_at, timers.c.id)
    .limit(bindparam("limit"))
)


async def due(conn: AsyncConnection, until: datetime, limit: int = 100) -> list[Timer]:
    """Timers due at or before `until`, in firing order (due time, then insertion)."""
    rows = (await conn.execute(_DUE, {"until": until, "limit": limit})).mappings()
    return [_timer(r) for r in rows]


def _timer(row: Any) -> Timer:
    return Timer(
        row["id"], row["due_at"], row["kind"], row["order_id"], row["payload"], row["planned_at"]
    )


async def claim(conn: AsyncConnection, timer_id: int) -> bool:
    """Delete the timer; True for the one transaction that got it (exactly-once firing)."""
    result = await conn.execute(delete(timers).where(timers.c.id == timer_id))
    return result.rowcount == 1


async def defer(conn: AsyncConnection, timer_id: int, until: datetime) -> None:
    """Make a timer due later (it keeps its id, so timers deferred alike keep their order);
    a deferred step is not stretched again."""
    await conn.execute(
        update(timers).where(timers.c.id == timer_id).values(due_at=until, planned_at=None)
    )


async def shift_after(
    conn: AsyncConnection, timer: Timer, kinds: Iterable[str], by: timedelta
) -> None:
    """Move the steps of `kinds` that `timer`'s order has due at or after it `by` later
    (planned times too): a step stretched keeps the steps planned behind it behind it."""
    if timer.order_id is None:
        return
    later = (
        await conn.execute(
            select(timers.c.id, timers.c.due_at, timers.c.planned_at).where(
                timers.c.order_id == timer.order_id,
                timers.c.kind.in_(list(kinds)),
                timers.c.due_at >= timer.due_at,
                timers.c.id != timer.id,
            )
        )
    ).all()
    for row_id, due_at, planned_at in later:
        await conn.execute(
            update(timers)
            .where(timers.c.id == row_id)
            .values(due_at=due_at + by, planned_at=None if planned_at is None else planned_at + by)
        )


async def release(
    conn: AsyncConnection, kinds: Iterable[str], held_until: datetime, now: datetime
) -> None:
    """Timers of `kinds` deferred to `held_until` are due `now` instead (an outage ended early)."""
    await conn.execute(
        update(timers)
        .where(timers.c.kind.in_(list(kinds)), timers.c.due_at == held_until)
        .values(due_at=now)
    )


async def next_due_at(conn: AsyncConnection) -> datetime | None:
    """When the earliest timer is due, if any."""
    value: datetime | None = (await conn.execute(select(func.min(timers.c.due_at)))).scalar()
    return value


async def pending(conn: AsyncConnection, order_id: int | None = None) -> list[Timer]:
    """Every stored timer (or one order's), in firing order."""
    query = select(timers).order_by(timers.c.due_at, timers.c.id)
    if order_id is not None:
        query = query.where(timers.c.order_id == order_id)
    rows = (await conn.execute(query)).mappings()
    return [_timer(r) for r in rows]
