"""The persisted clock state: one row the whole deployment runs on, versioned."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.clock import ClockState
from pickbay.store.tables import clock

_ROW = select(clock).where(clock.c.id == 1)


async def load(conn: AsyncConnection, *, for_update: bool = False) -> tuple[ClockState, int] | None:
    """The stored clock state and its version, if one was saved; `for_update` locks the row
    until the transaction ends (PostgreSQL), so changes from several processes queue."""
    found = await load_all(conn, for_update=for_update)
    return None if found is None else (found[0], found[1])


async def load_all(
    conn: AsyncConnection, *, for_update: bool = False
) -> tuple[ClockState, int, str | None] | None:
    """As `load`, with the process fast-forwarding the clock, if one is."""
    query = _ROW.with_for_update() if for_update else _ROW
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    state = ClockState(row["anchor"], row["wall_anchor"], bool(row["paused"]), float(row["speed"]))
    return state, int(row["version"]), row["advancing_by"]


async def version(conn: AsyncConnection) -> int:
    """The stored state's version (0 before the first save)."""
    found = (await conn.execute(select(clock.c.version).where(clock.c.id == 1))).scalar()
    return 0 if found is None else int(found)


async def save(
    conn: AsyncConnection, state: ClockState, version: int, advancing_by: str | None = None
) -> None:
    """Store the clock state as `version` (and who fast-forwards it now, if anyone)."""
    values = {
        "anchor": state.anchor,
        "wall_anchor": state.wall_anchor,
        "paused": state.paused,
        "speed": state.speed,
        "version": version,
        "advancing_by": advancing_by,
    }
    result = await conn.execute(update(clock).where(clock.c.id == 1).values(**values))
    if result.rowcount == 0:
        await conn.execute(clock.insert().values(id=1, **values))
