"""Heartbeats of the deployment's processes and the leases on its roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.store.tables import cursors, events, leases, processes, timers, webhook_deliveries

PENDING = "pending"


async def beat(
    conn: AsyncConnection,
    process: str,
    *,
    host: str,
    pid: int,
    started_at: datetime,
    now: datetime,
    clock_version: int,
    relay_cursor: int,
    connections: int = 0,
) -> None:
    """Record that `process` is alive, with what it has caught up on and how many realtime
    connections it holds."""
    p = processes
    values = {
        "seen_at": now,
        "clock_version": clock_version,
        "relay_cursor": relay_cursor,
        "connections": connections,
    }
    result = await conn.execute(update(p).where(p.c.id == process).values(**values))
    if result.rowcount == 0:
        await conn.execute(
            insert(p).values(id=process, host=host, pid=pid, started_at=started_at, **values)
        )


async def alive(conn: AsyncConnection, process: str, since: datetime) -> bool:
    """Whether `process` has beaten since `since`."""
    p = processes
    found = await conn.execute(select(p.c.id).where(p.c.id == process, p.c.seen_at >= since))
    return found.first() is not None


async def ack_clock(conn: AsyncConnection, process: str, version: int) -> None:
    """Record that `process` runs on clock `version`."""
    p = processes
    await conn.execute(
        update(p)
        .where(and_(p.c.id == process, p.c.clock_version < version))
        .values(clock_version=version)
    )


async def behind_clock(conn: AsyncConnection, me: str, version: int, alive_since: datetime) -> int:
    """How many other live processes run on a clock older than `version`."""
    p = processes
    query = select(func.count()).where(
        p.c.id != me, p.c.seen_at >= alive_since, p.c.clock_version < version
    )
    return int((await conn.execute(query)).scalar_one())


async def leave(conn: AsyncConnection, process: str) -> None:
    """Forget `process` (it stopped)."""
    await conn.execute(delete(processes).where(processes.c.id == process))


async def forget(conn: AsyncConnection, before: datetime) -> None:
    """Forget processes not seen since `before` (they died long ago)."""
    await conn.execute(delete(processes).where(processes.c.seen_at < before))


async def take(
    conn: AsyncConnection, role: str, process: str, now: datetime, expires: datetime
) -> int | None:
    """Take the lease on `role` if it is free or ran out; its new fencing token, or None."""
    lease = leases
    row = (
        (await conn.execute(select(lease).where(lease.c.role == role).with_for_update()))
        .mappings()
        .first()
    )
    if row is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        first = dialect.insert(lease).on_conflict_do_nothing()
        values = {
            "role": role,
            "holder": process,
            "token": 1,
            "acquired_at": now,
            "expires_at": expires,
        }
        return 1 if (await conn.execute(first, values)).rowcount == 1 else None
    if row["expires_at"] > now and row["holder"] != process:
        return None
    token = int(row["token"]) + 1
    result = await conn.execute(
        update(lease)
        .where(and_(lease.c.role == role, lease.c.token == row["token"]))
        .values(holder=process, token=token, acquired_at=now, expires_at=expires)
    )
    return token if result.rowcount == 1 else None


async def renew(
    conn: AsyncConnection,
    role: str,
    process: str,
    token: int,
    expires: datetime,
    progress_at: datetime | None,
) -> bool:
    """Extend the lease `process` holds on `role` with `token`; False if it holds it no more."""
    lease = leases
    values: dict[str, Any] = {"expires_at": expires}
    if progress_at is not None:
        values["progress_at"] = progress_at
    result = await conn.execute(
        update(lease)
        .where(and_(lease.c.role == role, lease.c.holder == process, lease.c.token == token))
        .values(**values)
    )
    return result.rowcount == 1


async def release(conn: AsyncConnection, process: str, roles: list[str]) -> None:
    """Hand back leases at once (the process is stopping), so another can take them."""
    if roles:
        lease = leases
        await conn.execute(
            update(lease)
            .where(and_(lease.c.holder == process, lease.c.role.in_(roles)))
            .values(expires_at=lease.c.acquired_at)
        )


async def view(
    conn: AsyncConnection,
    *,
    me: str,
    wall_now: datetime,
    alive_since: datetime,
    virtual_now: datetime,
) -> dict[str, Any]:
    """What the cluster endpoint shows: live processes, leases, lags, pending work."""
    p, lease, d, t = processes, leases, webhook_deliveries, timers
    last_seq = int(
        (await conn.execute(select(func.coalesce(func.max(events.c.seq), 0)))).scalar_one()
    )
    live = (
        await conn.execute(select(p).where(p.c.seen_at >= alive_since).order_by(p.c.started_at))
    ).mappings()
    held = {
        r["role"]: dict(r)
        for r in (await conn.execute(select(lease).order_by(lease.c.role))).mappings()
    }
    webhook_cursor = (
        await conn.execute(select(cursors.c.seq).where(cursors.c.name == "webhooks"))
    ).scalar()
    pending, oldest = (
        await conn.execute(
            select(func.count(), func.min(d.c.next_attempt_at)).where(d.c.state == PENDING)
        )
    ).one()
    timer_count, first_due = (await conn.execute(select(func.count(), func.min(t.c.due_at)))).one()
    due = int(
        (await conn.execute(select(func.count()).where(t.c.due_at <= virtual_now))).scalar_one()
    )
    return {
        "process": me,
        "processes": [
            {
                "id": r["id"],
                "host": r["host"],
                "pid": r["pid"],
                "startedAt": r["started_at"].isoformat(),
                "seenAt": r["seen_at"].isoformat(),
                "clockVersion": r["clock_version"],
                "relayCursor": r["relay_cursor"],
                "relayLag": max(0, last_seq - int(r["relay_cursor"])),
                "connections": r["connections"],
                "roles": sorted(
                    name
                    for name, h in held.items()
                    if h["holder"] == r["id"] and h["expires_at"] > wall_now
                ),
            }
            for r in live
        ],
        "roles": [
            {
                "role": name,
                "holder": h["holder"] if h["expires_at"] > wall_now else None,
                "lastHolder": h["holder"],
                "token": h["token"],
                "since": h["acquired_at"].isoformat(),
                "expiresAt": h["expires_at"].isoformat(),
                "progressAt": None if h["progress_at"] is None else h["progress_at"].isoformat(),
            }
            for name, h in held.items()
        ],
        "log": {"lastSeq": last_seq},
        "webhooks": {
            "cursor": webhook_cursor,
            "lag": None if webhook_cursor is None else max(0, last_seq - int(webhook_cursor)),
            "pending": int(pending),
            "oldestPendingAt": None if oldest is None else oldest.isoformat(),
        },
        "timers": {
            "pending": int(timer_count),
            "due": due,
            "firstDueAt": None if first_due is None else first_due.isoformat(),
        },
    }
