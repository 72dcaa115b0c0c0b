"""Turns logged events into queued deliveries, and sends them until each gets a 2xx.

Two loops. The outbox loop takes each batch of events the relay reads and queues one
delivery per notification per subscription, in one transaction with its durable cursor, so a
restart resumes where the last one stopped. The sender loop posts queued deliveries: those of
one order key (a service request) strictly in order, different keys side by side. A failed
attempt waits `retry * 2^(n-1)` virtual seconds (at most `retry_max`), and the line of its key
waits behind it. Delivery is at least once: a receiver may see a notification again (same
`notification_id`) if pickbay stopped between its 2xx and recording it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import aiohttp
import orjson

from pickbay import __version__
from pickbay.background import Worker
from pickbay.bus.relay import EventRelay
from pickbay.core.events import StoredEvent
from pickbay.engine.clock import ClockService
from pickbay.store import events as event_log
from pickbay.store import webhooks as store
from pickbay.store.db import Database
from pickbay.store.users import secret
from pickbay.webhooks.signing import HEADER, sign

log = logging.getLogger(__name__)

# A dialect's notification body for an event (None: the event notifies nobody).
Format = Callable[[StoredEvent, str], dict[str, Any] | None]
CURSOR = "webhooks"
BATCH = 500  # events per outbox transaction, deliveries per sender pass
IDLE_SECONDS = 5.0


class WebhookDispatcher:
    """The outbox and sender loops of one process."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        relay: EventRelay,
        formats: dict[str, Format],
        *,
        retry_seconds: float,
        retry_max_seconds: float,
        timeout_seconds: float,
    ) -> None:
        self.db = db
        self.clock = clock
        self.relay = relay
        self.formats = formats
        self.retry_seconds = retry_seconds
        self.retry_max_seconds = retry_max_seconds
        self.timeout_seconds = timeout_seconds
        self.instance = ""
        self._queue: list[StoredEvent] = []
        self._catch_up: tuple[int, int] | None = None
        self._outbox = Worker("pickbay-webhook-outbox", self._outbox_pass, retry=1.0)
        self._sender = Worker("pickbay-webhook-sender", self._send_pass, retry=1.0)
        self._client: aiohttp.ClientSession | None = None
        relay.subscribe(self._on_events)
        clock.on_change(self._sender.wake)

    async def start(self) -> None:
        """Resume from the stored cursor (after the relay started) and start both loops."""
        async with self.db.transaction() as conn:
            self.instance = await secret(conn, "notification_instance", secrets.token_hex(4))
            stored = await store.cursor(conn, CURSOR)
            if stored is None:
                stored = self.relay.cursor  # a new database starts from now
                await store.save_cursor(conn, CURSOR, stored)
        if stored < self.relay.cursor:
            self._catch_up = (stored, self.relay.cursor)
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            headers={"User-Agent": f"pickbay/{__version__}"},
        )
        self._outbox.start()
        self._sender.start()

    async def stop(self) -> None:
        """Finish the passes under way and stop."""
        await self._outbox.stop()
        await self._sender.stop()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def wake(self) -> None:
        """Look for due deliveries now (a subscription or redelivery was added)."""
        self._sender.wake()

    def notification_id(self, seq: int) -> str:
        """The id of the notification made from event `seq` (unique across databases)."""
        return f"pickbay:{self.instance}-{seq}"

    # ------------------------------------------------------------------ outbox

    def _on_events(self, events: list[StoredEvent]) -> None:
        # Other dialects' events need no write: a restart re-reads them from the cursor and
        # finds nothing to send.
        mine = [e for e in events if e.dialect in self.formats]
        if mine:
            self._queue.extend(mine)
            self._outbox.wake()

    async def _outbox_pass(self) -> float:
        if self._catch_up is not None:
            since, until = self._catch_up
            async with self.db.read() as conn:
                events = await event_log.read(conn, since=since, until=until, limit=BATCH)
            await self._enqueue(events, events[-1].seq if events else until)
            self._catch_up = (
                None
                if not events or events[-1].seq >= until
                else (
                    events[-1].seq,
                    until,
                )
            )
            self._outbox.wake()
            return IDLE_SECONDS
        batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
        cursor = self.relay.safe_cursor
        if self._queue:  # the rest is only in memory: keep the cursor before it
            cursor = min(cursor, self._queue[0].seq - 1)
        await self._enqueue(batch, cursor)
        if self._queue:
            self._outbox.wake()
        return IDLE_SECONDS

    async def _enqueue(self, events: list[StoredEvent], cursor: int) -> None:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            subscriptions = await store.subscriptions(conn)
            rows: list[dict[str, Any]] = []
            for event in events:
                fmt = self.formats.get(event.dialect)
                listeners = [s for s in subscriptions if s["dialect"] == event.dialect]
                if fmt is None or not listeners:
                    continue
                notification_id = self.notification_id(event.seq)
                body = fmt(event, notification_id)
                if body is None:
                    continue
                text = orjson.dumps(body).decode()
                rows.extend(
                    {
                        "subscription_id": s["id"],
                        "event_seq": event.seq,
                        "redelivery_of": None,
                        "notification_id": notification_id,
                        "order_key": str(event.order_id or ""),
                        "body": text,
                        "state": store.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for s in listeners
                )
            await store.add_deliveries(conn, rows)
            await store.save_cursor(conn, CURSOR, cursor)
        if rows:
            self._sender.wake()

    # ------------------------------------------------------------------ sender

    async def _send_pass(self) -> float:
        now = self.clock.now()
        async with self.db.read() as conn:
            due = await store.due(conn, now, BATCH)
            subscriptions = {s["id"]: s for s in await store.subscriptions(conn)}
        lines: dict[tuple[int, str], list[dict[str, Any]]] = {}
        for delivery in due:
            lines.setdefault((delivery["subscription_id"], delivery["order_key"]), []).append(
                delivery
            )
        results = await asyncio.gather(
            *(self._send_line(line, subscriptions) for line in lines.values())
        )
        outcomes = [o for outcome, _ in results for o in outcome]
        attempts = [a for _, attempt in results for a in attempt]
        if outcomes:
            async with self.db.transaction() as conn:
                await store.record(conn, outcomes, attempts)
        if len(due) == BATCH or any(o["state"] == store.DELIVERED for o in outcomes):
            return 0.0  # followers of what was just delivered may be due now
        async with self.db.read() as conn:
            nxt = await store.next_attempt_at(conn)
        if nxt is None:
            return IDLE_SECONDS
        wait = self.clock.clock.wall_seconds_until(nxt)
        return IDLE_SECONDS if wait is None else min(wait, IDLE_SECONDS)

    async def _send_line(
        self, line: list[dict[str, Any]], subscriptions: dict[int, dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Send one key's due deliveries in order, stopping at the first that fails."""
        outcomes: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []
        for delivery in line:
            subscription = subscriptions.get(delivery["subscription_id"])
            if subscription is None:
                break  # deleted meanwhile; its deliveries were dropped
            status, error, took = await self._post(subscription, delivery)
            at = self.clock.now()
            ok = status is not None and 200 <= status < 300
            tries = delivery["attempts"] + 1
            wait = min(self.retry_seconds * 2 ** (tries - 1), self.retry_max_seconds)
            outcomes.append(
                {
                    "id": delivery["id"],
                    "state": store.DELIVERED if ok else store.PENDING,
                    "next": at if ok else at + timedelta(seconds=wait),
                    "delivered": at if ok else None,
                    "status": status,
                    "error": error,
                }
            )
            attempts.append(
                {
                    "delivery_id": delivery["id"],
                    "at": at,
                    "status": status,
                    "error": error,
                    "duration_ms": took,
                }
            )
            if not ok:
                break
        return outcomes, attempts

    async def _post(
        self, subscription: dict[str, Any], delivery: dict[str, Any]
    ) -> tuple[int | None, str | None, float]:
        assert self._client is not None
        body = delivery["body"].encode()
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(subscription["secret"], body),
            "X-Pickbay-Delivery": str(delivery["id"]),
            "X-Pickbay-Notification-Id": delivery["notification_id"],
            "X-Pickbay-Attempt": str(delivery["attempts"] + 1),
        }
        started = time.perf_counter()
        try:
            async with self._client.post(subscription["url"], data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            took = (time.perf_counter() - started) * 1000
            return None, f"{type(exc).__name__}: {exc}"[:500], took
        took = (time.perf_counter() - started) * 1000
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return status, error, took
