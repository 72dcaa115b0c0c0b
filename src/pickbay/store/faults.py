"""The faults table: add, list, remove, and count a match atomically across processes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.faults import Fault
from pickbay.store.tables import faults


def _fault(row: Any) -> Fault:
    return Fault(**{column.name: row[column.name] for column in faults.columns})


async def add(conn: AsyncConnection, values: dict[str, Any]) -> Fault:
    """Store a new fault; returns it with its id."""
    unset = {c.name: None for c in faults.columns if c.nullable}  # what a kind of fault leaves
    row = {**unset, **values, "matched": 0, "fired": 0}
    new_id = (await conn.execute(insert(faults).values(row).returning(faults.c.id))).scalar_one()
    return _fault({**row, "id": int(new_id)})


async def all_faults(conn: AsyncConnection) -> list[Fault]:
    """Every fault, oldest first."""
    rows = (await conn.execute(select(faults).order_by(faults.c.id))).mappings()
    return [_fault(r) for r in rows]


async def fingerprint(conn: AsyncConnection) -> tuple[int, int]:
    """How many faults there are and the newest id: it changes whenever one is added or
    removed (counters change in the database only)."""
    row = (await conn.execute(select(func.count(), func.max(faults.c.id)))).one()
    return int(row[0]), int(row[1] or 0)


async def one(conn: AsyncConnection, fault_id: int) -> Fault | None:
    """One fault, or None."""
    row = (await conn.execute(select(faults).where(faults.c.id == fault_id))).mappings().first()
    return None if row is None else _fault(row)


async def remove(conn: AsyncConnection, fault_id: int | None = None) -> int:
    """Delete one fault (or all of them); returns how many went."""
    query = delete(faults) if fault_id is None else delete(faults).where(faults.c.id == fault_id)
    return int((await conn.execute(query)).rowcount)


async def count_match(conn: AsyncConnection, fault_id: int) -> tuple[int, int | None] | None:
    """Count one more matching request, using up one of a limited fault's requests.

    Returns the match's number and the requests left, or None if the fault is gone or used
    up: the check and the count are one statement, so racing processes get the last one once.
    """
    query = (
        update(faults)
        .where(faults.c.id == fault_id)
        .where(faults.c.remaining.is_(None) | (faults.c.remaining > 0))
        .values(
            matched=faults.c.matched + 1,
            remaining=faults.c.remaining - 1,
        )
        .returning(faults.c.matched, faults.c.remaining)
    )
    found = (await conn.execute(query)).first()
    return None if found is None else (int(found[0]), found[1])


async def count_fired(conn: AsyncConnection, fault_id: int, times: int = 1) -> None:
    """Count a firing (or several)."""
    await conn.execute(
        update(faults).where(faults.c.id == fault_id).values(fired=faults.c.fired + times)
    )
