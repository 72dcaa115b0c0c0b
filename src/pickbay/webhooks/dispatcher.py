"""Turns logged events into queued deliveries, and sends them until each gets a 2xx.

Two loops, run by the process that holds the `webhooks` role. The outbox loop takes each
batch of events the relay reads and queues one delivery per notification per subscription,
in one transaction with its durable cursor, so whoever holds the role next resumes where the
last one stopped. The sender loop starts one task per line: the due deliveries of one
subscription and order key (a service request), sent strictly in order, each claimed in the
database before it is posted and recorded as soon as its answer is known; lines run side by
side, so a slow receiver holds up only its own. A failed attempt waits `retry * 2^(n-1)`
virtual seconds (at most `retry_max`), and its line waits behind it.

Any number of senders is safe: a claimed delivery is skipped by the others until the claim
runs out (a wall time past the receiver's timeout), and so is every later one of its line.
Delivery is at least once: a receiver may see a notification again (same `notification_id`)
only if its sender stopped between the receiver's answer and recording it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import orjson

from pickbay import __version__
from pickbay.background import Worker, detach
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
# What an injected fault does to the notification of an event: ("duplicate" | "late", the
# sandbox seconds it is late), or None.
Mishap = Callable[[StoredEvent], Awaitable[tuple[str, float] | None]]
CURSOR = "webhooks"
BATCH = 500  # events per outbox transaction, deliveries looked at per sender pass
IDLE_SECONDS = 5.0
MAX_LINES = 512  # lines sent at once by one process
MAX_LINES_PER_SUBSCRIPTION = 128  # so one slow receiver cannot take every line
CONNECTIONS_PER_HOST = 32  # a receiver's lines beyond this wait for a connection
CLAIM_MARGIN_SECONDS = 5.0  # a claim outlives the receiver's timeout by this much
CHANNEL = "webhooks"  # rung when a process queues work for whoever sends


@dataclass
class _Result:
    """One attempt's outcome, waiting to be recorded, and the claims its line lets go."""

    outcome: dict[str, Any]
    attempt: dict[str, Any]
    release: list[int]
    done: asyncio.Future[None] | None = None


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
        owner: str,
    ) -> None:
        self.db = db
        self.clock = clock
        self.relay = relay
        self.formats = formats
        self.retry_seconds = retry_seconds
        self.retry_max_seconds = retry_max_seconds
        self.timeout_seconds = timeout_seconds
        self.instance = ""
        self.owner = owner
        self.passes = 0
        self._running = False
        self._queue: list[StoredEvent] = []
        self._catch_up: tuple[int, int] | None = None
        self._outbox = Worker("pickbay-webhook-outbox", self._outbox_pass, retry=1.0)
        self._sender = Worker("pickbay-webhook-sender", self._send_pass, retry=1.0)
        self._client: aiohttp.ClientSession | None = None
        self._lines: dict[tuple[int, str], asyncio.Task[None]] = {}
        self._results: list[_Result] = []
        self._capped = False  # the last pass left due lines for want of a slot
        self.mishap: Mishap | None = None
        self._refill_at = 0  # when so few lines run, a capped pass looks again
        self._extended_at = datetime.min.replace(tzinfo=UTC)  # when claims were last extended
        self._recorder: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        relay.subscribe(self._on_events)
        clock.on_change(self._sender.wake)

    async def start(self) -> None:
        """Resume from the stored cursor (after the relay started) and start both loops."""
        self._running = True
        self._queue.clear()
        async with self.db.transaction() as conn:
            self.instance = await secret(conn, "notification_instance", secrets.token_hex(4))
            stored = await store.cursor(conn, CURSOR)
            if stored is None:
                stored = self.relay.cursor  # a new database starts from now
                await store.save_cursor(conn, CURSOR, stored)
        if stored < self.relay.cursor:
            self._catch_up = (stored, self.relay.cursor)
        self._unsubscribe = await self.relay.backplane.subscribe(
            CHANNEL, lambda _m: self._sender.wake()
        )
        self._client = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_LINES, limit_per_host=CONNECTIONS_PER_HOST),
            timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            headers={"User-Agent": f"pickbay/{__version__}"},
        )
        self._outbox.start()
        self._sender.start()

    async def stop(self) -> None:
        """Stop both loops; deliveries in flight are abandoned and their claims ended, so
        whoever sends next sends them again."""
        self._running = False
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self._outbox.stop()
        await self._sender.stop()
        lines = list(self._lines.values())
        for task in lines:
            task.cancel()
        await asyncio.gather(*lines, return_exceptions=True)
        if self._recorder is not None:
            await asyncio.gather(self._recorder, return_exceptions=True)
            self._recorder = None
        if lines:
            async with self.db.transaction() as conn:
                await store.release(conn, self.owner, None)
        if self._client is not None:
            await self._client.close()
            self._client = None
        self._queue.clear()

    def ring(self) -> None:
        """Look for due deliveries now, in whichever process sends (a subscription or a
        redelivery was added)."""
        self._sender.wake()
        detach(self._ring())

    async def _ring(self) -> None:
        try:
            await self.relay.backplane.publish(CHANNEL, b"")
        except Exception:
            log.warning("webhooks: could not ring the sender; it looks again within seconds")

    def notification_id(self, seq: int) -> str:
        """The id of the notification made from event `seq`, `<source>:<hex>` as the
        vendor's examples show (`butler_core:a495d2ba`): this database's instance (8 hex
        digits, made once) and the event's sequence number in hex, so unique across
        databases."""
        return f"pickbay:{self.instance}{seq:x}"

    # ------------------------------------------------------------------ outbox

    def _on_events(self, events: list[StoredEvent]) -> None:
        # Other dialects' events need no write: a restart re-reads them from the cursor and
        # finds nothing to send.
        mine = [e for e in events if e.dialect in self.formats] if self._running else []
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
        async with self.db.read() as conn:
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
            # Decided before the outbox's transaction: a fault counts its matches in its own.
            mishap = None if self.mishap is None else await self.mishap(event)
            due = now + timedelta(seconds=mishap[1]) if mishap and mishap[0] == "late" else now
            row = {
                "event_seq": event.seq,
                "redelivery_of": None,
                "notification_id": notification_id,
                "order_key": str(event.order_id or ""),
                "body": orjson.dumps(body).decode(),
                "state": store.PENDING,
                "attempts": 0,
                "next_attempt_at": due,
                "created_at": now,
            }
            for s in listeners:
                rows.append({**row, "subscription_id": s["id"]})
                if mishap and mishap[0] == "duplicate":
                    # The copy is no event's own delivery (as a redelivery is not): it follows
                    # the original in its line, and is not skipped as already queued.
                    rows.append({**row, "subscription_id": s["id"], "event_seq": None})
        async with self.db.transaction() as conn:
            current = {s["id"] for s in await store.subscriptions(conn)}  # none ended meanwhile
            rows = [r for r in rows if r["subscription_id"] in current]
            await store.add_deliveries(conn, rows)
            await store.save_cursor(conn, CURSOR, cursor)
        if rows:
            self._sender.wake()

    # ------------------------------------------------------------------ sender

    async def _send_pass(self) -> float:
        """Claim the due deliveries of each line that no task here or elsewhere is sending
        (in one transaction) and start a task for each line; returns the wall seconds until
        the next delivery falls due (at most 5)."""
        self.passes += 1
        now = self.clock.now()
        wall = self.clock.clock.wall()
        async with self.db.read() as conn:
            due = await store.due(conn, now, wall, BATCH)
            subscriptions = {s["id"]: s for s in await store.subscriptions(conn)}
        per_subscription: dict[int, int] = {}
        for key in self._lines:
            per_subscription[key[0]] = per_subscription.get(key[0], 0) + 1
        lines: dict[tuple[int, str], list[int]] = {}
        self._capped = len(due) == BATCH
        for delivery in due:
            key = (delivery["subscription_id"], delivery["order_key"])
            if key in self._lines:
                continue
            if key not in lines:
                busy = per_subscription.get(key[0], 0)
                if busy >= MAX_LINES_PER_SUBSCRIPTION or len(self._lines) + len(lines) >= MAX_LINES:
                    self._capped = True
                    continue
                per_subscription[key[0]] = busy + 1
                lines[key] = []
            lines[key].append(delivery["id"])
        if lines:
            wanted = [i for ids in lines.values() for i in ids]
            async with self.db.transaction() as conn:
                got = {
                    d["id"]: d
                    for d in await store.claim(
                        conn, wanted, self.owner, wall, self._claim_until(wall)
                    )
                }
                # A line is sent from its head up to the first delivery another sender holds.
                unsent = []
                for ids in lines.values():
                    held = next((n for n, i in enumerate(ids) if i not in got), len(ids))
                    unsent += [i for i in ids[held:] if i in got]
                await store.release(conn, self.owner, unsent)
            for key, ids in lines.items():
                subscription = subscriptions.get(key[0])
                claimed = []
                for i in ids:
                    if i not in got or i in unsent:
                        break
                    claimed.append(got[i])
                if subscription is not None and claimed:
                    self._lines[key] = asyncio.create_task(
                        self._send_line(key, subscription, claimed)
                    )
        self._refill_at = len(self._lines) // 2
        if self._capped:
            return IDLE_SECONDS  # the lines running now wake the sender when they end
        async with self.db.read() as conn:
            nxt = await store.next_attempt_at(conn, wall)
        if nxt is None:
            return IDLE_SECONDS
        wait = self.clock.clock.wall_seconds_until(nxt)
        return IDLE_SECONDS if wait is None else min(wait, IDLE_SECONDS)

    def _claim_until(self, wall: datetime) -> datetime:
        return wall + timedelta(seconds=self.timeout_seconds + CLAIM_MARGIN_SECONDS)

    async def _send_line(
        self, key: tuple[int, str], subscription: dict[str, Any], claimed: list[dict[str, Any]]
    ) -> None:
        """Send one line's claimed deliveries in order, each answer recorded before the next
        is posted; stop at the first that fails (its retry waits; the rest are let go)."""
        failed = False
        try:
            for n, delivery in enumerate(claimed):
                status, error, took = await self._post(subscription, delivery)
                at = self.clock.now()
                ok = status is not None and 200 <= status < 300
                tries = delivery["attempts"] + 1
                wait = min(self.retry_seconds * 2 ** (tries - 1), self.retry_max_seconds)
                outcome = {
                    "id": delivery["id"],
                    "state": store.DELIVERED if ok else store.PENDING,
                    "next": at if ok else at + timedelta(seconds=wait),
                    "delivered": at if ok else None,
                    "status": status,
                    "error": error,
                }
                attempt = {
                    "delivery_id": delivery["id"],
                    "at": at,
                    "status": status,
                    "error": error,
                    "duration_ms": took,
                }
                rest = [] if ok else [d["id"] for d in claimed[n + 1 :]]
                await self._record(_Result(outcome, attempt, rest))
                if not ok:
                    failed = True
                    break
        except Exception:
            failed = True
            log.exception("webhooks: sending line %s failed; it is tried again", key)
        finally:
            self._lines.pop(key, None)
            # Look again: for what queued behind this line while it ran, or to time its retry;
            # after a pass that left due lines behind, only once half its lines have ended
            # (a pass per line would cost more than it sends).
            refill = not self._capped or len(self._lines) <= self._refill_at
            if self._running and (failed or refill):
                self._sender.wake()

    def _record(self, result: _Result) -> asyncio.Future[None]:
        """Queue an attempt's recording, to commit with those of other lines made meanwhile
        (one transaction for all: group commit); the future ends when it is stored."""
        result.done = asyncio.get_running_loop().create_future()
        self._results.append(result)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_all())
        return result.done

    async def _record_all(self) -> None:
        while self._results:
            batch, self._results = self._results, []
            try:
                async with self.db.transaction() as conn:
                    await store.record(
                        conn, self.owner, [r.outcome for r in batch], [r.attempt for r in batch]
                    )
                    await store.release(conn, self.owner, [i for r in batch for i in r.release])
                    wall = self.clock.clock.wall()
                    # Often enough that a live sender's claims never run out (a post takes
                    # at most the timeout), rarely enough not to rewrite every claimed row
                    # on every commit.
                    if wall >= self._extended_at + timedelta(seconds=CLAIM_MARGIN_SECONDS / 2):
                        await store.extend(conn, self.owner, self._claim_until(wall))
                        self._extended_at = wall
            except Exception as exc:
                for r in batch:
                    if r.done is not None and not r.done.done():
                        r.done.set_exception(exc)
                continue
            for r in batch:
                if r.done is not None and not r.done.done():
                    r.done.set_result(None)

    async def _post(
        self, subscription: dict[str, Any], delivery: dict[str, Any]
    ) -> tuple[int | None, str | None, float]:
        assert self._client is not None
        body = delivery["body"].encode()
        headers = {
            # As the vendor's examples of notifications show it.
            "Content-Type": "application/json;charset=UTF-8",
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
