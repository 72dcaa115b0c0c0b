"""The persisted clock state, so a paused or fast-forwarded clock survives a restart."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.clock import ClockState
from pickbay.store.tables import clock


async def load(conn: AsyncConnection) -> ClockState | None:
    """The stored clock state, if one was saved."""
    row = (await conn.execute(select(clock).where(clock.c.id == 1))).mappings().first()
    if row is None:
        return None
    return ClockState(row["anchor"], row["wall_anchor"], bool(row["paused"]), float(row["speed"]))


async def save(conn: AsyncConnection, state: ClockState) -> None:
    """Store the clock state."""
    values = {
        "anchor": state.anchor,
        "wall_anchor": state.wall_anchor,
        "paused": state.paused,
        "speed": state.speed,
    }
    result = await conn.execute(update(clock).where(clock.c.id == 1).values(**values))
    if result.rowcount == 0:
        await conn.execute(clock.insert().values(id=1, **values))
