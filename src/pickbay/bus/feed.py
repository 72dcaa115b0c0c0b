"""The event relay's output for readers of the log: how far it is safe to read, a wake-up
when there is more, and the newest events kept in memory.

Readers (the event feed, its stream) read only up to the relay's safe cursor: on PostgreSQL a
later sequence number can commit before an earlier one, and a reader that went past the gap
would never see the earlier event. Recent events are served from memory, older ones from the
log itself, so a stream that keeps up costs no query per event.
"""

from __future__ import annotations

import asyncio
import bisect

from pickbay.bus.relay import EventRelay
from pickbay.core.events import StoredEvent


class Feed:
    """Wakes readers whenever the relay has read new events; keeps the newest `keep`."""

    def __init__(self, relay: EventRelay, *, keep: int = 10_000) -> None:
        self.relay = relay
        self.keep = keep
        self._waiters: set[asyncio.Future[None]] = set()
        self.closed = False
        # Every event with floor < seq <= the relay's cursor is in _recent (none before start).
        self._floor: int | None = None
        self._seqs: list[int] = []
        self._recent: dict[int, StoredEvent] = {}
        relay.subscribe(self._on_events)

    def start(self) -> None:
        """Keep what the relay reads from now on (call after the relay has started)."""
        self._floor = self.relay.cursor

    def recent(self, since: int, until: int) -> list[StoredEvent] | None:
        """The events with since < seq <= until, oldest first; None if some are not in memory."""
        if self._floor is None or since < self._floor:
            return None
        lo = bisect.bisect_right(self._seqs, since)
        hi = bisect.bisect_right(self._seqs, until)
        return [self._recent[seq] for seq in self._seqs[lo:hi]]

    @property
    def head(self) -> int:
        """Every event up to this sequence number can be read without skipping one."""
        return self.relay.safe_cursor

    def _on_events(self, events: list[StoredEvent]) -> None:
        if self._floor is not None:
            for event in events:
                if event.seq > self._floor and event.seq not in self._recent:
                    self._recent[event.seq] = event
                    if self._seqs and event.seq < self._seqs[-1]:
                        bisect.insort(self._seqs, event.seq)  # a gap that filled late
                    else:
                        self._seqs.append(event.seq)
            if len(self._seqs) > self.keep:
                dropped = self._seqs[: len(self._seqs) - self.keep]
                del self._seqs[: len(dropped)]
                for seq in dropped:
                    del self._recent[seq]
                self._floor = dropped[-1]
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
