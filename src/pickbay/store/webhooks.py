"""Webhook subscriptions, the delivery outbox and its attempt log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from pickbay.store.tables import (
    cursors,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)

PENDING, DELIVERED, DROPPED = "pending", "delivered", "dropped"


async def add_subscription(
    conn: AsyncConnection, url: str, secret: str, dialect: str, now: datetime
) -> dict[str, Any]:
    """Store a subscription; returns it."""
    values = {"url": url, "secret": secret, "dialect": dialect, "active": True, "created_at": now}
    new_id = (
        await conn.execute(
            insert(webhook_subscriptions).returning(webhook_subscriptions.c.id), values
        )
    ).scalar_one()
    return {"id": int(new_id), **values}


async def subscriptions(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Active subscriptions, oldest first."""
    s = webhook_subscriptions
    rows = await conn.execute(select(s).where(s.c.active.is_(True)).order_by(s.c.id))
    return [dict(r) for r in rows.mappings()]


async def subscription(conn: AsyncConnection, subscription_id: int) -> dict[str, Any] | None:
    """An active subscription."""
    s = webhook_subscriptions
    row = (
        (await conn.execute(select(s).where(and_(s.c.id == subscription_id, s.c.active.is_(True)))))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


async def deactivate(conn: AsyncConnection, subscription_id: int) -> bool:
    """End a subscription and drop what it still had to send; False if there was none."""
    s, d = webhook_subscriptions, webhook_deliveries
    result = await conn.execute(
        update(s).where(and_(s.c.id == subscription_id, s.c.active.is_(True))).values(active=False)
    )
    if result.rowcount != 1:
        return False
    await conn.execute(
        update(d)
        .where(and_(d.c.subscription_id == subscription_id, d.c.state == PENDING))
        .values(state=DROPPED)
    )
    return True


async def add_deliveries(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Queue deliveries; one already queued for the same subscription and event is skipped."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(webhook_deliveries).on_conflict_do_nothing()
    await conn.execute(statement, rows)


def _unclaimed(wall: BindParameter[Any]) -> ColumnElement[bool]:
    d = webhook_deliveries
    return or_(d.c.claimed_until.is_(None), d.c.claimed_until <= wall)


def _due_query() -> Select[Any]:
    """Pending deliveries due by `now`, unclaimed at `wall`, and ahead of the first delivery
    of their line (subscription and order key) that must wait (not due yet, or being sent).

    Written as a grouped join rather than a correlated NOT EXISTS: its cost stays linear in
    the pending deliveries whatever plan the database picks (on a fresh table without
    statistics, PostgreSQL ran the NOT EXISTS as a nested loop of seconds).
    """
    d = webhook_deliveries
    now: BindParameter[datetime] = bindparam("now")
    wall: BindParameter[datetime] = bindparam("wall")
    waiting = (
        select(d.c.subscription_id, d.c.order_key, func.min(d.c.id).label("first"))
        .where(d.c.state == PENDING, or_(d.c.next_attempt_at > now, d.c.claimed_until > wall))
        .group_by(d.c.subscription_id, d.c.order_key)
        .subquery("waiting")
    )
    joined = d.outerjoin(
        waiting,
        and_(
            waiting.c.subscription_id == d.c.subscription_id,
            waiting.c.order_key == d.c.order_key,
        ),
    )
    return (
        select(d)
        .select_from(joined)
        .where(
            d.c.state == PENDING,
            d.c.next_attempt_at <= now,
            _unclaimed(wall),
            or_(waiting.c.first.is_(None), d.c.id < waiting.c.first),
        )
        .order_by(d.c.id)
        .limit(bindparam("limit"))
    )


def _next_attempt_query() -> Select[Any]:
    """When the earliest unclaimed delivery at the head of its line (its first pending one)
    is due."""
    d = webhook_deliveries
    heads = (
        select(func.min(d.c.id))
        .where(d.c.state == PENDING)
        .group_by(d.c.subscription_id, d.c.order_key)
    )
    return select(func.min(d.c.next_attempt_at)).where(
        d.c.id.in_(heads), _unclaimed(bindparam("wall"))
    )


# Built once: the sender asks both on every pass, and building them cost more than running them.
_DUE = _due_query()
_NEXT_ATTEMPT = _next_attempt_query()


async def due(
    conn: AsyncConnection, now: datetime, wall: datetime, limit: int
) -> list[dict[str, Any]]:
    """Deliveries to attempt now, in id order: a key's line stops at one that must wait or
    that a sender has claimed (its claim runs until a wall time after `wall`)."""
    rows = await conn.execute(_DUE, {"now": now, "wall": wall, "limit": limit})
    return [dict(r) for r in rows.mappings()]


async def next_attempt_at(conn: AsyncConnection, wall: datetime) -> datetime | None:
    """When the next delivery at the head of its key's line, and unclaimed at `wall`, falls
    due (a claimed line is looked at again when its sender lets it go)."""
    value: datetime | None = (await conn.execute(_NEXT_ATTEMPT, {"wall": wall})).scalar()
    return value


async def claim(
    conn: AsyncConnection, ids: list[int], owner: str, wall: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Claim the pending deliveries among `ids` that no other sender holds, until wall time
    `until`; the rows claimed (one gone, sent, or held by another sender is not)."""
    if not ids:
        return []
    d = webhook_deliveries
    claimed = await conn.execute(
        update(d)
        .where(d.c.id.in_(ids), d.c.state == PENDING, _unclaimed(bindparam("wall")))
        .values(claimed_by=owner, claimed_until=until)
        .returning(*d.c),
        {"wall": wall},
    )
    return [dict(r) for r in claimed.mappings()]


async def record(
    conn: AsyncConnection,
    owner: str,
    outcomes: Sequence[dict[str, Any]],
    attempts: Sequence[dict[str, Any]],
) -> None:
    """Store what attempts of deliveries `owner` claimed did (each delivery's new state, one
    log row per attempt), and end those claims."""
    if not outcomes:
        return
    d = webhook_deliveries
    await conn.execute(
        update(d)
        .where(d.c.id == bindparam("b_id"), d.c.claimed_by == bindparam("b_owner"))
        .values(
            state=bindparam("b_state"),
            attempts=d.c.attempts + 1,
            next_attempt_at=bindparam("b_next"),
            delivered_at=bindparam("b_delivered"),
            last_status=bindparam("b_status"),
            last_error=bindparam("b_error"),
            claimed_by=None,
            claimed_until=None,
        ),
        [{"b_owner": owner, **{f"b_{k}": v for k, v in o.items()}} for o in outcomes],
    )
    await conn.execute(insert(webhook_attempts), list(attempts))


async def release(conn: AsyncConnection, owner: str, ids: list[int] | None) -> None:
    """End the claims `owner` holds on `ids` (None: on every delivery, as it stops sending):
    another sender may take them now."""
    if ids is not None and not ids:
        return
    d = webhook_deliveries
    query = update(d).where(d.c.claimed_by == owner)
    if ids is not None:
        query = query.where(d.c.id.in_(ids))
    await conn.execute(query.values(claimed_by=None, claimed_until=None))


async def extend(conn: AsyncConnection, owner: str, until: datetime) -> None:
    """Extend every claim `owner` holds to wall time `until` (it is alive and sending)."""
    d = webhook_deliveries
    await conn.execute(
        update(d).where(d.c.claimed_by == owner, d.c.state == PENDING).values(claimed_until=until)
    )


async def deliveries(
    conn: AsyncConnection,
    subscription_id: int,
    *,
    state: str | None,
    before: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """A subscription's deliveries, newest first."""
    d = webhook_deliveries
    query = select(d).where(d.c.subscription_id == subscription_id).order_by(d.c.id.desc())
    if state is not None:
        query = query.where(d.c.state == state)
    if before is not None:
        query = query.where(d.c.id < before)
    return [dict(r) for r in (await conn.execute(query.limit(limit))).mappings()]


async def delivery(
    conn: AsyncConnection, subscription_id: int, delivery_id: int
) -> dict[str, Any] | None:
    """One delivery with its attempts."""
    d, a = webhook_deliveries, webhook_attempts
    row = (
        (
            await conn.execute(
                select(d).where(and_(d.c.id == delivery_id, d.c.subscription_id == subscription_id))
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    tries = await conn.execute(select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.id))
    return {**dict(row), "attempt_log": [dict(t) for t in tries.mappings()]}


async def redeliver(conn: AsyncConnection, original: dict[str, Any], now: datetime) -> int:
    """Queue a copy of a delivery to send now, outside its key's line; returns its id."""
    d = webhook_deliveries
    values = {
        "subscription_id": original["subscription_id"],
        "event_seq": None,
        "redelivery_of": original["id"],
        "notification_id": original["notification_id"],
        "order_key": f"redelivery:{original['id']}:{now.isoformat()}",
        "body": original["body"],
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return int((await conn.execute(insert(d).returning(d.c.id), values)).scalar_one())


async def cursor(conn: AsyncConnection, name: str) -> int | None:
    """A consumer's stored position in the event log."""
    value = (await conn.execute(select(cursors.c.seq).where(cursors.c.name == name))).scalar()
    return None if value is None else int(value)


async def save_cursor(conn: AsyncConnection, name: str, seq: int) -> None:
    """Store a consumer's position (it only moves forward)."""
    found = await cursor(conn, name)
    if found is None:
        await conn.execute(insert(cursors).values(name=name, seq=seq))
    elif seq > found:
        await conn.execute(update(cursors).where(cursors.c.name == name).values(seq=seq))
