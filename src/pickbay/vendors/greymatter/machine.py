"""The simulated GreyOrange floor: its pick-put stations and bins, its sandbox stock, and
the steps it takes on the clock (checking stock, sending racks to free bins, the operator's
picks, answering cancels and modifies)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict, InvalidInput
from pickbay.core.events import Event
from pickbay.core.timers import TimerRequest
from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.store import events as event_log
from pickbay.store import timers as timer_store
from pickbay.store.timers import Timer
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.model import (
    AT_STATION,
    CHANGEABLE,
    CHECK_STEP,
    DISPATCH_STEP,
    NAME,
    PICK_STEP,
    REACH_STEP,
    STOCK_CHANGED,
    TRANSACTION_STEP,
    Line,
    NewLine,
    RequestType,
    ServiceRequest,
    Slot,
    State,
    new_line,
)

# Products a fresh sandbox holds: (attributes, eaches on hand, eaches per subpack). The SKUs
# are the ones the vendor's examples use; 2005 and 2006 come in subpacks of 20, as there.
SANDBOX_STOCK: tuple[tuple[dict[str, str], int, int], ...] = (
    ({"product_sku": "MM00001"}, 100, 1),
    ({"product_sku": "2001"}, 50, 1),
    ({"product_sku": "2002"}, 50, 1),
    ({"product_sku": "2005"}, 200, 20),
    ({"product_sku": "2006"}, 200, 20),
    ({"product_sku": "5001"}, 100, 1),
    ({"product_sku": "1911"}, 100, 1),
    ({"product_sku": "SKU12345", "client_id": "C1", "lot_id": "LOT-A"}, 30, 1),
    ({"product_sku": "SKU12345", "client_id": "C2", "lot_id": "LOT-B"}, 30, 1),
)


def station_bins(stations: int, bins: int) -> list[tuple[int, int]]:
    """Every (ppsId, ppsBinId) of a floor with `stations` stations of `bins` bins each."""
    return [(pps, b) for pps in range(1, stations + 1) for b in range(1, bins + 1)]


@dataclass(frozen=True)
class Layout:
    """The floor's stations and bins, and how long its robots and operators take."""

    stations: int = 2
    bins: int = 4
    check_seconds: float = 1.0
    rack_seconds: float = 10.0
    pick_seconds: float = 5.0
    auto: bool = True  # racks move and operators pick by themselves


async def stock_events(conn: AsyncConnection, slots: Iterable[Slot], now: datetime) -> None:
    """Log each slot's new quantity."""
    new = [
        Event(
            STOCK_CHANGED,
            now,
            {"stockId": s.id, "attributes": s.attributes, "quantity": s.quantity},
        )
        for s in slots
    ]
    await event_log.append(conn, dialect=NAME, tenant=repo.TENANT, order_id=None, new=new)


class Floor:
    """The floor: it checks and blocks stock, sends racks to free station bins in priority
    order, and its operators pick line by line; cancels and modifies are answered here."""

    def __init__(
        self,
        clock: ClockService,
        scheduler: Scheduler,
        layout: Layout,
        faults: Faults | None = None,
    ) -> None:
        self.clock = clock
        self.layout = layout
        self.faults = faults
        for kind, handler in (
            (CHECK_STEP, self._on_check),
            (DISPATCH_STEP, self._on_dispatch),
            (REACH_STEP, self._on_reach),
            (PICK_STEP, self._on_pick),
            (TRANSACTION_STEP, self._on_transaction),
        ):
            scheduler.register(kind, handler)

    def plan_check(self, sr: ServiceRequest, now: datetime) -> None:
        """Have the floor check a new request's stock."""
        sr.timers.append(TimerRequest.after(now, self.layout.check_seconds, CHECK_STEP))

    async def _on_check(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is not None and sr.state is State.CREATED:
            await self.check(conn, sr, self.clock.now())
            await repo.update_request(conn, sr)

    async def check(self, conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
        """Check a created request's stock and block it (a pick waits for a bin then)."""
        if sr.state is not State.CREATED:
            raise Conflict(f"Service request {sr.id} is {sr.state.value}; it was checked.")
        if sr.kind is RequestType.PICK:
            found = {line.id: await repo.matching(conn, line.filters) for line in sr.lines}
            station = await self._station_now(conn, sr, now)
            if sr.block(now, found, station):
                touched = {s.id: s for slots in found.values() for s in slots}
                await repo.save_slots(conn, touched.values(), now)
                if station is None:
                    self._dispatch_soon(sr, now)
                else:
                    self._send_rack(sr, now)
        else:
            sr.block(now, {})
            if self.layout.auto:
                sr.timers.append(TimerRequest.after(now, self.layout.rack_seconds, REACH_STEP))

    async def _station_now(
        self, conn: AsyncConnection, sr: ServiceRequest, now: datetime
    ) -> tuple[int, int] | None:
        """A free station bin for a pick being checked, if it may start and none waits first.

        So the fulfillable notification names its station, as the vendor's example does.
        """
        if not self.layout.auto or not repo.may_start(sr, now):
            return None
        if await repo.waiting(conn, now, 1):
            return None
        free = await self.free_bins(conn)
        return free[0] if free else None

    def _send_rack(self, sr: ServiceRequest, now: datetime) -> None:
        sr.timers.append(TimerRequest.after(now, self.layout.rack_seconds, REACH_STEP))

    async def _on_dispatch(self, conn: AsyncConnection, timer: Timer) -> None:
        if not self.layout.auto:
            return
        now = self.clock.now()
        free = await self.free_bins(conn)
        for row_id in await repo.waiting(conn, now, len(free)):
            sr = await repo.load_row(conn, row_id)
            if sr is None:
                continue
            sr.pps_id, sr.bin_id = free.pop(0)
            self._send_rack(sr, now)
            await repo.update_request(conn, sr)
        opens = await repo.next_pick_after(conn, now)
        if opens is not None:
            await timer_store.add(conn, [(None, TimerRequest(opens, DISPATCH_STEP))])

    async def _on_reach(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is None or sr.state not in (State.FULFILLABLE, State.STAGE_REQUESTED):
            return
        if sr.kind is RequestType.PICK and sr.bin_id is None:
            return  # cancelled and taken again since; a dispatch assigns it anew
        self.arrive(sr, self.clock.now())
        await repo.update_request(conn, sr)

    async def _on_pick(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is None or sr.state not in AT_STATION:
            return
        line = sr.next_line()
        if line is None:
            return
        now = self.clock.now()
        fault = None
        if self.faults is not None and sr.kind is RequestType.PICK and line.blocks:
            fault = await self.faults.at_pick(conn, NAME, repo.TENANT, timer.order_id)
        if fault is not None and fault.pick is not None:
            eaches = min(fault.pick_quantity or 1, line.blocks[0][1])
            await self.exception(conn, sr, line, fault.pick, eaches, now)
        else:
            await self.transact(conn, sr, line, now, None)
        await repo.update_request(conn, sr)

    async def _on_transaction(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is None:
            return
        now = self.clock.now()
        action, transaction = timer.payload["action"], int(timer.payload["transaction"])
        if sr.state not in CHANGEABLE:
            sr.modification(now, transaction, action, ok=False)
            await repo.update_request(conn, sr)
            return
        held = await repo.slots(conn, [b[0] for x in sr.lines for b in x.blocks])
        had_bin = sr.bin_id is not None
        sr.modification(now, transaction, action, ok=True)
        if action == "cancel":
            sr.cancel(now, held)
            await repo.save_slots(conn, held.values(), now)
        else:
            sr.begin_modify(now, held)
            await repo.save_slots(conn, held.values(), now)
            added = await self._apply(conn, sr, timer.payload, now)
            await repo.add_line_refs(conn, sr, added)
            await self.check(conn, sr, now)
        if had_bin:
            self._dispatch_soon(sr, now)
        await repo.update_request(conn, sr)

    def arrive(self, sr: ServiceRequest, now: datetime) -> None:
        """A rack reaches the request's station bin; the operator starts picking."""
        sr.reach(now, sr.pps_id or 1, sr.bin_id)
        if self.layout.auto:
            sr.timers.append(TimerRequest.after(now, self.layout.pick_seconds, PICK_STEP))

    async def transact(
        self,
        conn: AsyncConnection,
        sr: ServiceRequest,
        line: Line,
        now: datetime,
        quantity: int | None,
    ) -> None:
        """One pick (or put) transaction on `line`, and what follows it."""
        ids = iter(await repo.new_ids(conn, 2))
        if sr.kind is RequestType.PUT:
            slot = await repo.slot_for(conn, line.product_values(), now)
            sr.put(line, now, slot, ids, line.remaining if quantity is None else quantity)
            touched = {slot.id: slot}
        else:
            touched = await repo.slots(conn, [b[0] for b in line.blocks[:1]])
            limit = line.remaining if quantity is None else quantity
            if quantity is not None and line.blocks and quantity > line.blocks[0][1]:
                raise InvalidInput(
                    {"quantity": [f"The next slot holds {line.blocks[0][1]} eaches for it."]}
                )
            sr.pick(line, now, touched, ids, limit)
        await repo.save_slots(conn, touched.values(), now)
        await stock_events(conn, touched.values(), now)
        self.after(sr, now)

    async def exception(
        self,
        conn: AsyncConnection,
        sr: ServiceRequest,
        line: Line,
        kind: str,
        eaches: int,
        now: datetime,
    ) -> None:
        """The operator finds `eaches` of the line's next slot missing, damaged or
        unscannable: they leave the stock, the line is blocked again on what else matches."""
        others = await repo.matching(conn, line.filters)
        held = await repo.slots(conn, [b[0] for b in line.blocks])
        found = {s.id: s for s in others} | held
        ids = iter(await repo.new_ids(conn, 2))
        sr.exception(line, kind, eaches, now, found, [found[s.id] for s in others], ids)
        await repo.save_slots(conn, found.values(), now)
        await stock_events(conn, found.values(), now)
        self.after(sr, now)

    def after(self, sr: ServiceRequest, now: datetime) -> None:
        """Plan the next step after a transaction: another pick, or leave the station."""
        if sr.state is State.COMPLETE and sr.kind is RequestType.PUT:
            sr.release(now)
        if sr.state in AT_STATION:
            if self.layout.auto:
                sr.timers.append(TimerRequest.after(now, self.layout.pick_seconds, PICK_STEP))
        elif sr.bin_id is not None:
            sr.pps_id = sr.bin_id = None
            self._dispatch_soon(sr, now)

    def _dispatch_soon(self, sr: ServiceRequest, now: datetime) -> None:
        if self.layout.auto:
            sr.timers.append(TimerRequest(now, DISPATCH_STEP))

    async def _apply(
        self, conn: AsyncConnection, sr: ServiceRequest, payload: dict[str, Any], now: datetime
    ) -> list[Line]:
        """Apply a modification's lines and attributes; returns the lines it added."""
        added: list[Line] = []
        if payload.get("attributes"):
            sr.attributes = {**(sr.attributes or {}), **payload["attributes"]}
        new_lines = [NewLine(**x) for x in payload.get("lines") or []]
        fresh = [x for x in new_lines if x.external_id not in {y.external_id for y in sr.lines}]
        ids = iter(await repo.new_ids(conn, 3 * len(fresh)))
        for new in new_lines:
            if new in fresh:
                line = new_line(new, ids, now)
                sr.lines.append(line)
                added.append(line)
                continue
            line = sr.line(new.external_id)
            line.quantity = new.quantity
            line.product_attributes = new.product_attributes
            for container in line.expectations:
                for product in container.products:
                    product["productQuantity"] = new.quantity
                    product["productAttributes"] = new.product_attributes
            line.updated_at = now
        return added

    async def free_bins(self, conn: AsyncConnection) -> list[tuple[int, int]]:
        """Every station bin no request holds, in order."""
        busy = await repo.busy_bins(conn)
        every = station_bins(self.layout.stations, self.layout.bins)
        return [b for b in every if b not in busy]

    async def _timer_request(self, conn: AsyncConnection, timer: Timer) -> ServiceRequest | None:
        return None if timer.order_id is None else await repo.load_row(conn, timer.order_id)
