"""The event relay: tails the durable event log and hands each new event to subscribers.

Every process runs one. A commit that wrote events rings the backplane's `events` channel,
so every process (this one included) reads the log at once; a slow poll catches any ring
that was lost. On PostgreSQL a sequence number is taken at insert, not at commit, so a
reader can see seq 11 before seq 10 commits: missing numbers are re-read for a while.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pickbay.background import Worker
from pickbay.bus.backplane import Backplane
from pickbay.core.events import StoredEvent
from pickbay.store import events as event_log
from pickbay.store.db import Database

log = logging.getLogger(__name__)

CHANNEL = "events"
Subscriber = Callable[[list[StoredEvent]], None]


class EventRelay:
    """Reads events past its cursor after every commit and passes them on, oldest first."""

    def __init__(
        self,
        db: Database,
        backplane: Backplane,
        *,
        poll_interval: float = 1.0,
        gap_timeout: float = 10.0,
        batch: int = 1000,
    ) -> None:
        self.db = db
        self.backplane = backplane
        self.poll_interval = poll_interval
        self.gap_timeout = gap_timeout
        self.batch = batch
        self.cursor = 0  # every event up to here was read (or is a tracked gap)
        self._gaps: dict[int, float] = {}  # missing seq -> when first missed
        self._subscribers: list[Subscriber] = []
        self._worker = Worker("pickbay-relay", self._pass, retry=poll_interval)
        self._unsubscribe: Callable[[], None] | None = None
        self._ring_again = False
        self._ringer: asyncio.Future[None] | None = None  # the publish under way

    @property
    def safe_cursor(self) -> int:
        """The highest seq up to which every event was read (below any gap still open)."""
        return min(self._gaps) - 1 if self._gaps else self.cursor

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call `subscriber` with each batch of new events."""
        self._subscribers.append(subscriber)

    async def start(self) -> None:
        """Begin after the newest event in the log; listen for commits everywhere."""
        async with self.db.read() as conn:
            self.cursor = await event_log.last_seq(conn)
        self._unsubscribe = await self.backplane.subscribe(CHANNEL, lambda _m: self._worker.wake())
        self.db.on_events_committed.append(self.committed)
        self._worker.start()

    async def stop(self) -> None:
        """Stop reading (events stay in the log for whoever comes next)."""
        if self.committed in self.db.on_events_committed:
            self.db.on_events_committed.remove(self.committed)
        if self._unsubscribe is not None:
            self._unsubscribe()
        await self._worker.stop()

    def committed(self) -> None:
        """A transaction in this process committed events: read now, and ring the others."""
        self._worker.wake()
        if self._ringer is not None and not self._ringer.done():
            self._ring_again = True  # commits during a publish share one more ring
        else:
            self._ringer = asyncio.ensure_future(self._ring())

    async def _ring(self) -> None:
        while True:
            self._ring_again = False
            try:
                await self.backplane.publish(CHANNEL, b"")
            except Exception:
                log.warning("backplane publish failed; other processes poll instead")
            if not self._ring_again:
                return

    async def _pass(self) -> float:
        await self.pump()
        return self.poll_interval

    async def pump(self) -> list[StoredEvent]:
        """Read what is new (and gaps that filled), deliver it, return it."""
        async with self.db.read() as conn:
            new = await event_log.read(conn, since=self.cursor, limit=self.batch)
            late = await event_log.read_seqs(conn, sorted(self._gaps)) if self._gaps else []
        now = asyncio.get_running_loop().time()
        expected = self.cursor + 1
        for event in new:
            for missing in range(expected, event.seq):
                self._gaps[missing] = now
            expected = event.seq + 1
        if new:
            self.cursor = new[-1].seq
        for event in late:
            self._gaps.pop(event.seq, None)
        for seq, since in list(self._gaps.items()):
            if now - since > self.gap_timeout:
                del self._gaps[seq]  # rolled back: that number will never commit
        if len(new) == self.batch:
            self._worker.wake()
        delivered = late + new
        if delivered:
            for subscriber in self._subscribers:
                try:
                    subscriber(delivered)
                except Exception:
                    log.exception("event relay subscriber failed")
        return delivered
