"""The deployment's clock: one stored state every process runs on, changed in turn.

Each process keeps the state in memory and reads virtual time from it without a round trip.
A change locks the stored row, starts from the stored state (never from a process's own
copy, which may be stale), stores it with the next version and tells the other processes,
which re-read it. Virtual time never runs backwards in any process, across restarts included.

A fast-forward is one more change: the advancing process stores that it advances, and until
it stores the time it reached, every other process holds the requests that may write (its
clock still shows the time before the advance, so what they wrote would step back in time
along the event log), after letting those under way finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from pickbay.core.clock import Clock, ClockState
from pickbay.store import clock as clock_store
from pickbay.store.db import Database

Propagate = Callable[[int], Awaitable[None]]
DRAIN_SECONDS = 1.0  # how long writes under way may take to finish when an advance begins


class ClockService:
    """Reads and changes the sandbox clock; listeners hear of every change, wherever made."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or Clock()
        self.version = 0
        self._listeners: list[Callable[[], None]] = []
        # Set by the cluster: tell the other processes of `version`, and wait until they know.
        self.propagate: Propagate | None = None
        self.me = ""  # this process's id in the cluster
        self.advancing_by: str | None = None  # the process fast-forwarding now, if any
        self._open = asyncio.Event()  # writes may start (no other process advances)
        self._open.set()
        self._writers = 0
        self._idle = asyncio.Event()  # no write under way
        self._idle.set()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every change of mode or time."""
        self._listeners.append(listener)

    def now(self) -> datetime:
        """The current sandbox time."""
        return self.clock.now()

    async def load(self) -> None:
        """Take the stored state, or store this one on a new database."""
        async with self.db.transaction() as conn:
            stored = await clock_store.load_all(conn, for_update=True)
            if stored is None:
                self.version = 1
                await clock_store.save(conn, self.clock.state, self.version)
                return
        # This process has shown no time yet: the stored one holds, whatever was handed in.
        self.clock = Clock(stored[0], wall=self.clock.wall)
        self.version = stored[1]
        self._hold(stored[2])

    async def refresh(self) -> bool:
        """Take the stored state if another process changed it; True if it did."""
        async with self.db.read() as conn:
            if await clock_store.version(conn) <= self.version:
                return False
            stored = await clock_store.load_all(conn)
        if stored is None or stored[1] <= self.version:
            return False
        self._take(stored[0], stored[1])
        self._hold(stored[2])
        self._tell()
        return True

    async def set_mode(self, *, paused: bool | None = None, speed: float | None = None) -> None:
        """Pause, resume or change speed (ValueError for a speed not above 0)."""
        await self._change(lambda c: c.set_mode(paused=paused, speed=speed))

    def jump_to(self, when: datetime) -> None:
        """Move this process's time forward without storing it (an advance stores at its end)."""
        self.clock.advance_to(when)

    async def advance(self, delta: timedelta) -> None:
        """Move virtual time forward by `delta` and store it."""
        target = self.clock.now() + delta
        await self._change(lambda c: c.advance_to(target))

    async def save(self) -> None:
        """Store this process's time (after `jump_to`), keeping the stored mode and speed."""
        reached = self.clock.now()
        await self._change(lambda c: c.advance_to(reached))

    async def begin_advance(self) -> None:
        """Tell every process that this one fast-forwards now: they hold their writes (after
        those under way finish) until the time it reaches is stored (`save`)."""
        await self._change(lambda c: None, advancing=True)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Around a request that may write: it waits while another process fast-forwards."""
        await self._open.wait()
        self._writers += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._writers -= 1
            if not self._writers:
                self._idle.set()

    async def drained(self) -> None:
        """Wait (a bounded time) until the writes under way have finished."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), DRAIN_SECONDS)

    def release(self) -> None:
        """Let writes start again (the process that held them is gone)."""
        self._hold(None)

    def _hold(self, advancing_by: str | None) -> None:
        self.advancing_by = advancing_by
        if advancing_by is None or advancing_by == self.me:
            self._open.set()
        else:
            self._open.clear()

    async def _change(self, change: Callable[[Clock], None], *, advancing: bool = False) -> None:
        by = self.me if advancing else None
        async with self.db.transaction() as conn:
            stored = await clock_store.load(conn, for_update=True)
            clock = Clock(self.clock.state if stored is None else stored[0], wall=self.clock.wall)
            clock.advance_to(self.clock.now())  # never behind what this process has shown
            change(clock)
            version = (self.version if stored is None else max(self.version, stored[1])) + 1
            await clock_store.save(conn, clock.state, version, by)
        self._take(clock.state, version)
        self._hold(by)
        self._tell()
        if self.propagate is not None:
            await self.propagate(version)

    def _take(self, state: ClockState, version: int) -> None:
        self.clock.adopt(state)
        self.version = version

    def _tell(self) -> None:
        for listener in self._listeners:
            listener()
