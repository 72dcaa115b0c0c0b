"""Injected faults, deployment-wide: stored in the database, known to every process.

Each process keeps the faults in memory (a request to a vendor's API looks them up without a
round trip, and with none defined at all the look-up costs nothing); a change rings the other
processes on the backplane, and each reloads. A matching request is counted in the database
(one statement), so a fault limited to N requests applies N times across every process, and a
seeded probability gives the same answers for the same match numbers. Besides requests, a
fault can hold a vendor's machine steps through an outage (`hold`, asked by the scheduler),
drop realtime connections (the `droppers` the app registers), or duplicate or delay webhook
notifications (`mishap`, asked by the outbox), or make a machine's operator pick wrong
(`at_pick`, asked by the machine). Every firing is an event in the log.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.background import Worker
from pickbay.bus.backplane import Backplane
from pickbay.core.events import Event, StoredEvent
from pickbay.core.faults import Fault, fires
from pickbay.engine.clock import ClockService
from pickbay.store import events as event_log
from pickbay.store import faults as store
from pickbay.store import timers as timer_store
from pickbay.store.db import Database
from pickbay.store.orders import order_tenant
from pickbay.store.timers import Timer

log = logging.getLogger("pickbay.faults")
WATCH_SECONDS = 2.0  # a change whose ring was lost (or a CLI's, on SQLite) is seen this soon

CHANNEL = "pickbay.faults"
FIRED = "fault.fired"
DEFAULT_TENANT = "default"  # the tenant of events of the one-installation vendors


@dataclass(frozen=True)
class Request:
    """What a fault can be aimed at: the vendor whose API is called, and the call."""

    vendor: str
    method: str
    path: str
    tenant: str | None = None


class Faults:
    """Create, list, remove faults; decide whether one fires on a request, a machine step, a
    realtime connection or a notification."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        backplane: Backplane,
        machine_steps: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.backplane = backplane
        self.machine_steps = dict(machine_steps or {})  # timer kinds of each vendor's machine
        self.released: Callable[[], None] = lambda: None  # held steps are due again
        # Drop the realtime connections of a vendor (and tenant); how many were dropped.
        self.droppers: list[Callable[[str, str | None], int]] = []
        self._dropped: set[int] = set()  # drop faults this process has carried out
        self._started = False
        self._seen: tuple[int, int] | None = None
        self._watch = Worker("pickbay-faults", self._look, retry=WATCH_SECONDS)
        self.active: tuple[Fault, ...] = ()
        self._unsubscribe: Callable[[], None] | None = None
        self._me = secrets.token_hex(8).encode()  # a process ignores its own rings
        self._tasks: set[asyncio.Task[None]] = set()
        self._reloaded = asyncio.Condition()
        self._holding: set[tuple[int, str]] = set()  # push delays logged here (fault, tenant)

    async def start(self) -> None:
        """Load the faults and follow other processes' changes (drops made before this
        process started are not carried out again: they dropped what was there then)."""
        self._unsubscribe = await self.backplane.subscribe(CHANNEL, self._rang)
        await self.reload()
        self._dropped = {f.id for f in self.active if f.drop}
        self._started = True
        self._watch.start()

    async def stop(self) -> None:
        """Stop following changes (a reload under way finishes first)."""
        await self._watch.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _look(self) -> float:
        """Reload if faults were added or removed behind this process's back."""
        async with self.db.read() as conn:
            seen = await store.fingerprint(conn)
        if seen != self._seen:
            await self.reload()
        return WATCH_SECONDS

    async def reload(self) -> None:
        """Read every fault again, and carry out the drops that are new here."""
        async with self.db.read() as conn:
            self.active = tuple(await store.all_faults(conn))
            self._seen = await store.fingerprint(conn)
        if self._started:
            await self._drop_new()
        async with self._reloaded:
            self._reloaded.notify_all()

    async def _drop_new(self) -> None:
        for fault in self.active:
            if not fault.drop or fault.id in self._dropped:
                continue
            self._dropped.add(fault.id)
            vendor = fault.vendor or ""
            dropped = sum(drop(vendor, fault.tenant) for drop in self.droppers)
            if not dropped:
                continue
            payload = {"faultId": fault.id, "dropped": dropped}
            async with self.db.transaction() as conn:
                await _record(
                    conn, fault.id, vendor, fault.tenant, None, self.clock.now(), payload, dropped
                )

    async def wait_for(self, holds: Callable[[tuple[Fault, ...]], bool]) -> None:
        """Wait until the faults this process holds satisfy `holds` (another process's change
        arrives on its own, a few milliseconds after it returned there)."""
        async with self._reloaded:
            await self._reloaded.wait_for(lambda: holds(self.active))

    def _rang(self, message: bytes) -> None:
        if message != self._me:
            task = asyncio.ensure_future(self._reload_logged())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _reload_logged(self) -> None:
        try:
            await self.reload()
        except Exception:
            log.exception("faults: could not reload; the next change reloads them")

    async def _changed(self) -> None:
        await self.reload()
        try:
            await self.backplane.publish(CHANNEL, self._me)
        except Exception:
            log.warning("faults: could not ring the other processes")

    # ------------------------------------------------------------------ managing

    async def create(self, values: dict[str, Any]) -> Fault:
        """Store a fault (`starts_at` defaults to now on the sandbox clock)."""
        values = {**values, "created_at": self.clock.now()}
        values.setdefault("starts_at", values["created_at"])
        async with self.db.transaction() as conn:
            fault = await store.add(conn, values)
        await self._changed()
        return fault

    async def list(self) -> list[Fault]:
        """Every fault with its counts, oldest first."""
        async with self.db.read() as conn:
            return await store.all_faults(conn)

    async def get(self, fault_id: int) -> Fault | None:
        """One fault, or None."""
        async with self.db.read() as conn:
            return await store.one(conn, fault_id)

    async def delete(self, fault_id: int | None = None) -> int:
        """Remove one fault, or every fault; how many went. An outage removed before its end
        ends now: the steps it held are due at once, in their order."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            ending = [
                f
                for f in await store.all_faults(conn)
                if f.offline
                and f.ends_at is not None
                and f.ends_at > now
                and (fault_id is None or f.id == fault_id)
            ]
            gone = await store.remove(conn, fault_id)
            for outage in ending:
                kinds = self.machine_steps.get(outage.vendor or "", frozenset())
                assert outage.ends_at is not None
                await timer_store.release(conn, kinds, outage.ends_at, now)
        await self._changed()
        if ending:
            self.released()
        return gone

    # ------------------------------------------------------------------ outages

    async def hold(self, conn: AsyncConnection, timer: Timer, now: datetime) -> datetime | None:
        """Until when a machine step must wait, if its machine is offline at `now` or a slow
        fault stretches it (each held step is a `fault.fired` event)."""
        vendor = next((v for v, kinds in self.machine_steps.items() if timer.kind in kinds), None)
        if vendor is None or not self.active:
            return None
        outages = [f for f in self.active if f.down(vendor, now) and f.ends_at is not None]
        if not outages:
            return await self._stretch(conn, vendor, timer, now)
        outage = max(outages, key=lambda f: f.ends_at or now)
        assert outage.ends_at is not None
        tenant = await order_tenant(conn, timer.order_id) if timer.order_id else None
        payload = {
            "faultId": outage.id,
            "offline": True,
            "step": timer.kind,
            "orderId": timer.order_id,
            "until": outage.ends_at.isoformat(),
        }
        await _record(conn, outage.id, vendor, tenant, timer.order_id, now, payload)
        return outage.ends_at

    async def _stretch(
        self, conn: AsyncConnection, vendor: str, timer: Timer, now: datetime
    ) -> datetime | None:
        """When a step that takes time ends if a slow fault fires on it: its duration times
        the fault's factor (once; the order's later steps move with it)."""
        planned = timer.planned_at
        if planned is None or planned >= timer.due_at:
            return None
        slow = [f for f in self.active if f.slow is not None and f.vendor == vendor]
        if not slow:
            return None
        tenant = await order_tenant(conn, timer.order_id) if timer.order_id else None
        for fault in slow:
            if not fault.slows(vendor, tenant, now):
                continue
            match, _ = await _match(conn, fault)
            if match is None:
                continue
            assert fault.slow is not None
            until = planned + (timer.due_at - planned) * fault.slow
            kinds = self.machine_steps[vendor]
            await timer_store.shift_after(conn, timer, kinds, until - timer.due_at)
            payload = {
                "faultId": fault.id,
                "match": match,
                "slow": fault.slow,
                "step": timer.kind,
                "orderId": timer.order_id,
                "until": until.isoformat(),
            }
            await _record(conn, fault.id, vendor, tenant, timer.order_id, now, payload)
            return until
        return None

    # ------------------------------------------------------------------ deciding

    async def decide(self, request: Request) -> Fault | None:
        """The fault that fires on this request, if one does (each match is counted)."""
        if not self.active:
            return None
        now = self.clock.now()
        candidates = [
            f
            for f in self.active
            if f.applies(request.vendor, request.method, request.path, request.tenant, now)
        ]
        return await self._first_to_fire(candidates, request, now)

    async def notification(self, event: StoredEvent) -> Fault | None:
        """The webhook fault that fires on the notification of `event`, if one does."""
        if not self.active:
            return None
        now = self.clock.now()
        candidates = [f for f in self.active if f.notifies(event.dialect, event.tenant, now)]
        call = Request(event.dialect, "POST", f"event {event.seq} {event.type}", event.tenant)
        return await self._first_to_fire(candidates, call, now)

    async def mishap(self, event: StoredEvent) -> tuple[str, float] | None:
        """What a webhook fault does to the notification of `event` ("duplicate" or "late",
        with the sandbox seconds), if one fires on it."""
        fault = await self.notification(event)
        if fault is None or fault.webhook is None:
            return None
        return fault.webhook, fault.late_seconds or 0.0

    def push_delay(self, vendor: str, tenant: str) -> Fault | None:
        """The fault that holds `vendor`'s realtime pushes to `tenant` now, if one does."""
        if not self.active:
            return None
        now = self.clock.now()
        return next((f for f in self.active if f.delays_pushes(vendor, tenant, now)), None)

    def pushes_held(self, fault: Fault, vendor: str, tenant: str, count: int) -> None:
        """Count `count` pushes a delay held; the first this process holds for a tenant is a
        `fault.fired` event (not each: pushes come by the thousand)."""
        first = (fault.id, tenant) not in self._holding
        self._holding.add((fault.id, tenant))
        task = asyncio.ensure_future(self._count_held(fault, vendor, tenant, count, first))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _count_held(
        self, fault: Fault, vendor: str, tenant: str, count: int, first: bool
    ) -> None:
        try:
            async with self.db.transaction() as conn:
                if first:
                    payload = {"faultId": fault.id, "pushDelayMs": fault.push_delay_ms}
                    await _record(conn, fault.id, vendor, tenant, None, self.clock.now(), payload)
                    count -= 1
                if count:
                    await store.count_fired(conn, fault.id, count)
        except Exception:
            log.exception("faults: could not count the pushes fault %s held", fault.id)

    async def at_pick(
        self, conn: AsyncConnection, vendor: str, tenant: str, order_id: int | None
    ) -> Fault | None:
        """The pick fault that fires on the next pick of `vendor`'s operator, if one does;
        counted and logged in the caller's transaction (the machine step's), so a pick that
        is rolled back counts nothing."""
        if not self.active:
            return None
        now = self.clock.now()
        for fault in self.active:
            if not fault.picks(vendor, tenant, now):
                continue
            match, _ = await _match(conn, fault)  # the list here is reloaded on a change
            if match is not None:
                payload = {
                    "faultId": fault.id,
                    "match": match,
                    "pick": fault.pick,
                    "quantity": fault.pick_quantity,
                    "orderId": order_id,
                }
                await _record(conn, fault.id, vendor, tenant, order_id, now, payload)
                return fault
        return None

    async def _first_to_fire(
        self, candidates: Sequence[Fault], request: Request, now: datetime
    ) -> Fault | None:
        for fault in candidates:
            if await self._try(fault, request, now):
                return fault
        return None

    async def _try(self, fault: Fault, request: Request, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            match, used_up = await _match(conn, fault)
            if match is not None:
                payload = _fired(fault, request, match)
                await _record(conn, fault.id, request.vendor, request.tenant, None, now, payload)
        if used_up:
            await self._changed()
        return match is not None


async def _match(conn: AsyncConnection, fault: Fault) -> tuple[int | None, bool]:
    """Count a match of `fault`: its number if the fault fires on it (else None), and whether
    the fault is used up now."""
    counted = await store.count_match(conn, fault.id)
    if counted is None:
        return None, True
    match, left = counted
    return (match if fires(fault.seed, match, fault.probability) else None), left == 0


async def _record(
    conn: AsyncConnection,
    fault_id: int,
    vendor: str,
    tenant: str | None,
    order_id: int | None,
    at: datetime,
    payload: dict[str, Any],
    times: int = 1,
) -> None:
    """Count a fault's firing (or several) and log it as one `fault.fired` event."""
    await store.count_fired(conn, fault_id, times)
    await event_log.append(
        conn,
        dialect=vendor,
        tenant=tenant or DEFAULT_TENANT,
        order_id=order_id,
        new=[Event(FIRED, at, payload)],
    )


def _fired(fault: Fault, request: Request, match: int) -> dict[str, Any]:
    return {
        "faultId": fault.id,
        "match": match,
        "method": request.method,
        "path": request.path,
        "status": fault.status,
        "delayMs": fault.delay_ms,
    }
