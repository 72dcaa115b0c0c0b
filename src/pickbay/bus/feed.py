"""Waiting for the event relay: readers of the log learn when there is more to read.

Readers (the event feed, its stream) read the log itself, never a copy, and only up to the
relay's safe cursor: on PostgreSQL a later sequence number can commit before an earlier one,
and a reader that went past the gap would never see the earlier event.
"""

from __future__ import annotations

import asyncio

from pickbay.bus.relay import EventRelay
from pickbay.core.events import StoredEvent


class Feed:
    """Wakes readers whenever the relay has read new events."""

    def __init__(self, relay: EventRelay) -> None:
        self.relay = relay
        self._waiters: set[asyncio.Future[None]] = set()
        self.closed = False
        relay.subscribe(self._on_events)

    @property
    def head(self) -> int:
        """Every event up to this sequence number can be read without skipping one."""
        return self.relay.safe_cursor

    def _on_events(self, _events: list[StoredEvent]) -> None:
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, beyond: int, within: float) -> bool:
        """Wait until the head passes `beyond`; False if `within` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.head <= beyond:
            left = deadline - loop.time()
            if self.closed or left <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, left)
            except TimeoutError:
                return False
            finally:
                self._waiters.discard(waiter)
        return True

    async def wait_for(self, seq: int, within: float) -> int:
        """Wait (at most `within` seconds) until the head reaches `seq`; returns the head."""
        await self.wait(seq - 1, within)
        return self.head

    def close(self) -> None:
        """Release every reader (the server is stopping)."""
        self.closed = True
        self._wake()
