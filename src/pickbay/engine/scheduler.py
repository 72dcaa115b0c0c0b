"""Fires stored timers when the clock reaches them, in due order, exactly once each."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

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
BATCH = 64  # due timers read at once (fired in turn while none is added before the next)
RUN = 16  # timers fired in one transaction, when no fault may hold one
TIMERS = "timers"  # the deployment-wide lock of whoever fires timers


class Scheduler:
    """Runs timer handlers; the background loop fires on the clock, `advance` on demand."""

    def __init__(self, db: Database, clock: ClockService) -> None:
        self.db = db
        self.clock = clock
        self._handlers: dict[str, Handler] = {}
        self.hold: Hold | None = None
        self.may_hold: Callable[[], bool] = lambda: True  # False: `hold` would hold nothing
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
            async with self.db.transaction() as conn:
                batch = await timer_store.due(conn, limit, limit=BATCH)
            if not batch:
                return fired
            if self.hold is not None and self.may_hold():
                fired += await self._fire_each(batch, move_clock)
            else:
                fired += await self._fire_runs(batch, move_clock)

    async def _fire_each(self, batch: list[Timer], move_clock: bool) -> int:
        """Fire timers one transaction each, until one is planned or held to fall due before
        the next (then the caller reads the due timers anew)."""
        fired = 0
        timer_store.watch()
        earliest_held: datetime | None = None
        for timer, after in zip(batch, [*batch[1:], None], strict=True):
            if move_clock:
                self.clock.jump_to(timer.due_at)
            held = await self._held(timer)
            if held is None and await self._fire(timer):
                fired += 1
            elif held is not None:
                earliest_held = held if earliest_held is None else min(earliest_held, held)
            if _read_anew(after, earliest_held):
                break
        return fired

    async def _fire_runs(self, batch: list[Timer], move_clock: bool) -> int:
        """Fire timers a run of them per transaction (no fault may hold one), until one plans
        a step due before the next; a run with a failing handler is fired again one by one."""
        fired = 0
        start = 0
        timer_store.watch()  # from here on: a step planned before a timer still to fire
        while start < len(batch):
            run = batch[start : start + RUN]
            after = batch[start + RUN] if start + RUN < len(batch) else None
            attempt = partial(self._run, run=run, after=after, move_clock=move_clock)
            try:
                got, used, stop = await in_transaction(self.db, attempt, f"timer {run[0].id}")
            except Exception:
                return fired + await self._fire_each(run, move_clock)
            fired += got
            self.fired += got
            if stop:
                return fired
            start += used
        return fired

    async def _run(
        self, conn: AsyncConnection, run: list[Timer], after: Timer | None, move_clock: bool
    ) -> tuple[int, int, bool]:
        """Fire `run` in the caller's transaction: how many fired, how many were taken, and
        whether one planned a step due before the next timer (the rest wait for a new read)."""
        fired = 0
        for n, timer in enumerate(run):
            following = run[n + 1] if n + 1 < len(run) else after
            if move_clock:
                self.clock.jump_to(timer.due_at)
            if await self._step(conn, timer):
                fired += 1
            if _read_anew(following):
                return fired, n + 1, True
        return fired, len(run), False

    async def _held(self, timer: Timer) -> datetime | None:
        """Defer a timer whose machine is offline now (or slow) to when it comes back (in one
        transaction with whatever the hold records); until when, if it was."""
        if self.hold is None or not self.may_hold():
            return None
        async with self.db.transaction() as conn:
            until = await self.hold(conn, timer, self.clock.now())
            if until is not None:
                await timer_store.defer(conn, timer.id, until)
        return until

    async def _step(self, conn: AsyncConnection, timer: Timer) -> bool:
        """Claim `timer` and run its handler in the caller's transaction; False if another
        pass fired it first."""
        if not await timer_store.claim(conn, timer.id):
            return False
        handler = self._handlers.get(timer.kind)
        if handler is None:
            log.warning("dropping timer %s of unknown kind %s", timer.id, timer.kind)
        else:
            await handler(conn, timer)
        return True

    async def _fire(self, timer: Timer) -> bool:
        attempt = partial(self._step, timer=timer)
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


def _read_anew(following: Timer | None, held: datetime | None = None) -> bool:
    """Whether a step stored (or held) since the due timers were read falls due before
    `following`, the next of them: then they are read anew, so it fires in its turn."""
    if following is None:
        return False
    added = timer_store.earliest_added()
    return (added is not None and added < following.due_at) or (
        held is not None and held <= following.due_at
    )
