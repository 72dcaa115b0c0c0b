"""Load one aggregate, change it, store it: one transaction, tried again on a lost race."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange, NotFound
from pickbay.core.timers import TimerRequest
from pickbay.engine.clock import ClockService
from pickbay.store.db import Database

if TYPE_CHECKING:  # the scheduler itself runs its handlers through `in_transaction`
    from pickbay.engine.scheduler import Scheduler

R = TypeVar("R")
TRIES = 5


class Aggregate(Protocol):
    """What the loop needs of a vendor's order: the timers its change asked for."""

    @property
    def timers(self) -> list[TimerRequest]: ...


A = TypeVar("A", bound=Aggregate)


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


class ChangeLoop:
    """The load-change-save loop of every vendor service, on the sandbox clock."""

    def __init__(self, db: Database, clock: ClockService, scheduler: Scheduler) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler

    async def run(
        self,
        load: Callable[[AsyncConnection], Awaitable[A | None]],
        change: Callable[[AsyncConnection, A, datetime], Awaitable[R]],
        save: Callable[[AsyncConnection, A], Awaitable[None]],
        *,
        missing: str,
        label: str,
    ) -> tuple[A, R]:
        """Load, change and save one aggregate in one transaction, retrying lost races.

        NotFound(`missing`) if `load` finds nothing; the scheduler looks again if the change
        asked for timers.
        """

        async def attempt(conn: AsyncConnection) -> tuple[A, R]:
            found = await load(conn)
            if found is None:
                raise NotFound(missing)
            result = await change(conn, found, self.clock.now())
            await save(conn, found)
            return found, result

        found, result = await in_transaction(self.db, attempt, label)
        if found.timers:
            self.scheduler.poke()
        return found, result
