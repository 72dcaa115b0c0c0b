"""One transaction, tried again when another writer changed the same thing first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange
from pickbay.store.db import Database

R = TypeVar("R")
TRIES = 5


async def in_transaction(
    db: Database, attempt: Callable[[AsyncConnection], Awaitable[R]], label: str
) -> R:
    """Run `attempt` in a transaction; on ConcurrentChange, roll back and run it again."""
    for _ in range(TRIES):
        try:
            async with db.transaction() as conn:
                return await attempt(conn)
        except ConcurrentChange:
            continue
    raise ConcurrentChange(f"{label} keeps changing; try again")
