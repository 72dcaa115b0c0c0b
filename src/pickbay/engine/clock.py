"""The process's clock, persisted so that its mode and virtual time survive restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pickbay.core.clock import Clock
from pickbay.store import clock as clock_store
from pickbay.store.db import Database


class ClockService:
    """Reads and changes the sandbox clock; listeners hear of every change."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or Clock()
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every change of mode or time."""
        self._listeners.append(listener)

    def now(self) -> datetime:
        """The current sandbox time."""
        return self.clock.now()

    async def load(self) -> None:
        """Take the stored state, or store the current one on first start."""
        async with self.db.transaction() as conn:
            state = await clock_store.load(conn)
            if state is None:
                await clock_store.save(conn, self.clock.state)
            else:
                self.clock = Clock(state, wall=self.clock.wall)

    async def set_mode(self, *, paused: bool | None = None, speed: float | None = None) -> None:
        """Pause, resume or change speed."""
        self.clock.set_mode(paused=paused, speed=speed)
        await self.save()

    def jump_to(self, when: datetime) -> None:
        """Move virtual time forward without persisting (the scheduler saves at the end)."""
        self.clock.advance_to(when)

    async def advance(self, delta: timedelta) -> None:
        """Move virtual time forward by `delta` and persist."""
        self.clock.advance(delta)
        await self.save()

    async def save(self) -> None:
        """Persist the state and tell listeners."""
        async with self.db.transaction() as conn:
            await clock_store.save(conn, self.clock.state)
        for listener in self._listeners:
            listener()
