"""Fires stored timers when the clock reaches them, in due order, exactly once each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.background import Worker
from pickbay.core.timers import TimerKind
from pickbay.engine.changes import in_transaction
from pickbay.engine.clock import ClockService
from pickbay.store import timers as timer_store
from pickbay.store.db import Database
from pickbay.store.timers import Timer

log = logging.getLogger(__name__)

Handler = Callable[[AsyncConnection, Timer], Awaitable[None]]
# Whether a timer must wait (its machine is offline): the time to hold it to, or None.
Hold = Callable[[AsyncConnection, Timer, datetime], Awaitable[datetime | None]]

# With several processes another one may add timers; look again at least this often.
MAX_IDLE_SECONDS = 2.0
TIMERS = "timers"  # the deployment-wide lock of whoever fires timers


class Scheduler:
    """Runs timer handlers; the background loop fires on the clock, `advance` on demand."""

    def __init__(self, db: Database, clock: ClockService) -> None:
        self.db = db
        self.clock = clock
        self._handlers: dict[str, Handler] = {}
        self.hold: Hold | None = None
        self._worker = Worker("pickbay-scheduler", self._pass, retry=MAX_IDLE_SECONDS)
        self.fired = 0
        self.passes = 0
        clock.on_change(self.poke)

    def register(self, kind: TimerKind, handler: Handler) -> None:
        """Have `handler` run timers of `kind`."""
        self._handlers[kind.key] = handler

    def poke(self) -> None:
        """Look at the timers again (new timers were stored, or the clock changed)."""
        self._worker.wake()

    async def fire_due(self, until: datetime | None = None) -> int:
        """Fire every timer due by `until` (default: now), oldest first; returns how many."""
        async with self.db.lock(TIMERS):
            return await self._fire_due(until, move_clock=False)

    async def advance(self, seconds: float) -> int:
        """Move the deployment's clock forward, firing every timer that falls due on the way,
        in order; returns how many fired.

        The clock jumps to each timer's due time before it fires, so the events it records
        carry the time the step was planned for. One advance or firing pass at a time in the
        whole deployment: a timer fires once, and in due order, however many processes ask.
        While timers fire on the way, the other processes hold their writes (`ClockService`).
        """
        async with self.db.lock(TIMERS):
            target = self.clock.now() + timedelta(seconds=seconds)
            async with self.db.read() as conn:
                nxt = await timer_store.next_due_at(conn)
            if not self.db.is_sqlite and nxt is not None and nxt <= target:
                await self.clock.begin_advance()
            try:
                fired = await self._fire_due(target, move_clock=True)
                self.clock.jump_to(target)
            finally:
                await self.clock.save()
        return fired

    async def _fire_due(self, until: datetime | None, *, move_clock: bool) -> int:
        fired = 0
        while True:
            limit = until if until is not None else self.clock.now()
            # One at a time: a handler may plan a step due before the rest of a batch.
            async with self.db.transaction() as conn:
                batch = await timer_store.due(conn, limit, limit=1)
            if not batch:
                return fired
            timer = batch[0]
            if move_clock:
                self.clock.jump_to(timer.due_at)
            if await self._held(timer):
                continue
            if await self._fire(timer):
                fired += 1

    async def _held(self, timer: Timer) -> bool:
        """Defer a timer whose machine is offline now to when it comes back (in one
        transaction with whatever the hold records)."""
        if self.hold is None:
            return False
        async with self.db.transaction() as conn:
            until = await self.hold(conn, timer, self.clock.now())
            if until is None:
                return False
            await timer_store.defer(conn, timer.id, until)
        return True

    async def _fire(self, timer: Timer) -> bool:
        handler = self._handlers.get(timer.kind)

        async def attempt(conn: AsyncConnection) -> bool:
            if not await timer_store.claim(conn, timer.id):
                return False
            if handler is None:
                log.warning("dropping timer %s of unknown kind %s", timer.id, timer.kind)
            else:
                await handler(conn, timer)
            return True

        try:
            fired = await in_transaction(self.db, attempt, f"timer {timer.id}")
        except Exception:
            log.exception("timer %s (%s) failed; dropping it", timer.id, timer.kind)
            async with self.db.transaction() as conn:
                await timer_store.claim(conn, timer.id)
            return False
        if fired:
            self.fired += 1
        return fired

    async def _pass(self) -> float:
        """Fire what is due; returns the wall seconds until the next timer (at most 2 s)."""
        await self.fire_due()
        self.passes += 1
        async with self.db.transaction() as conn:
            nxt = await timer_store.next_due_at(conn)
        wait = MAX_IDLE_SECONDS
        if nxt is not None:
            until = self.clock.clock.wall_seconds_until(nxt)
            if until is not None:
                wait = min(wait, until)
        return wait

    def start(self) -> None:
        """Start the background loop."""
        self._worker.start()

    async def stop(self) -> None:
        """Stop the background loop."""
        await self._worker.stop()
