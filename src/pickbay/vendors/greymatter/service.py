"""GreyMatter commands: service requests on the simulated goods-to-person floor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict, InvalidInput, NotFound
from pickbay.core.events import Event
from pickbay.core.timers import TimerRequest
from pickbay.engine.changes import ChangeLoop
from pickbay.engine.clock import ClockService
from pickbay.engine.scheduler import Scheduler
from pickbay.store import events as event_log
from pickbay.store import timers as timer_store
from pickbay.store.db import Database
from pickbay.store.timers import Timer
from pickbay.vendors.greymatter import machine
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.model import (
    AT_STATION,
    CHANGEABLE,
    CHECK_STEP,
    CREATED,
    DISPATCH_STEP,
    NAME,
    PICK_STEP,
    REACH_STEP,
    STOCK_CHANGED,
    TRANSACTION_STEP,
    Container,
    Line,
    RequestType,
    ServiceRequest,
    Slot,
    State,
)


@dataclass(frozen=True)
class Floor:
    """The simulated floor: its stations, and how long its robots and operators take."""

    stations: int = 2
    bins: int = 4
    check_seconds: float = 1.0
    rack_seconds: float = 10.0
    pick_seconds: float = 5.0
    auto: bool = True  # racks move and operators pick by themselves


@dataclass(frozen=True)
class NewLine:
    """A child line as posted."""

    external_id: str
    quantity: int
    product_attributes: dict[str, Any]


@dataclass(frozen=True)
class NewRequest:
    """A service request as posted (already validated)."""

    external_id: str
    kind: RequestType
    lines: list[NewLine]
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True)
class Changes:
    """What a modify request changes: lines by externalServiceRequestId, attributes by key."""

    lines: list[NewLine] = field(default_factory=list)
    attributes: dict[str, Any] | None = None


class FloorService:
    """Every GreyMatter state change goes through here, and only here."""

    def __init__(
        self, db: Database, clock: ClockService, scheduler: Scheduler, floor: Floor
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self._changes = ChangeLoop(db, clock, scheduler)
        self.floor = floor
        for kind, handler in (
            (CHECK_STEP, self._on_check),
            (DISPATCH_STEP, self._on_dispatch),
            (REACH_STEP, self._on_reach),
            (PICK_STEP, self._on_pick),
            (TRANSACTION_STEP, self._on_transaction),
        ):
            scheduler.register(kind, handler)

    # ------------------------------------------------------------------ host API

    async def create(self, new: NewRequest) -> ServiceRequest:
        """Accept a service request; the floor checks its inventory shortly."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            ids = iter(await repo.new_ids(conn, 1 + 3 * len(new.lines)))
            sr = ServiceRequest(
                id=next(ids),
                external_id=new.external_id,
                kind=new.kind,
                lines=[_line(x, ids, now) for x in new.lines],
                attributes=new.attributes,
                received_at=now,
                created_at=now,
                updated_at=now,
            )
            sr.events.append(
                Event(CREATED, now, {"id": sr.id, "externalServiceRequestId": sr.external_id})
            )
            sr.timers.append(
                TimerRequest(now + timedelta(seconds=self.floor.check_seconds), CHECK_STEP)
            )
            await repo.insert_request(conn, sr)
        self.scheduler.poke()
        return sr

    async def get(self, sr_id: int) -> tuple[ServiceRequest, Line | None]:
        """The request with this id (or the request and line, for a line's id)."""
        async with self.db.read() as conn:
            sr = await repo.load(conn, sr_id)
        if sr is None:
            raise NotFound(f"No service request with id {sr_id}.")
        line = next((x for x in sr.lines if x.id == sr_id), None)
        return sr, line

    async def request_change(
        self, kind: RequestType, external_id: str, action: str, changes: Changes | None = None
    ) -> tuple[int, ServiceRequest]:
        """Accept a cancel or modify; the answer comes as a notification. Returns its id."""

        async def attempt(conn: AsyncConnection) -> tuple[int, ServiceRequest]:
            sr = await repo.load_external(conn, kind, external_id)
            if sr is None:
                raise NotFound(
                    f"No {kind.value} service request with externalServiceRequestId "
                    f"'{external_id}'."
                )
            (transaction,) = await repo.new_ids(conn, 1)
            payload: dict[str, Any] = {"action": action, "transaction": transaction}
            if changes is not None:
                payload["lines"] = [vars(x) for x in changes.lines]
                payload["attributes"] = changes.attributes
            # Only a timer: the request itself changes when the floor applies it.
            step = TimerRequest(self.clock.now(), TRANSACTION_STEP, payload)
            await timer_store.add(conn, [(sr.row_id, step)])
            return transaction, sr

        async with self.db.transaction() as conn:
            result = await attempt(conn)
        self.scheduler.poke()
        return result

    # ------------------------------------------------------------------ operator actions

    async def check(self, sr_id: int) -> ServiceRequest:
        """Check and block inventory of a created request now."""
        return await self._change(sr_id, self._check)

    async def reach(self, sr_id: int) -> ServiceRequest:
        """A rack reaches a station for this request now (it takes a free bin)."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.state not in (State.FULFILLABLE, State.STAGE_REQUESTED):
                raise Conflict(f"Service request {sr.id} is {sr.state.value}, not waiting.")
            if sr.bin_id is None and sr.kind is RequestType.PICK:
                free = await self._free_bins(conn)
                if not free:
                    raise Conflict("Every station bin is taken.")
                sr.pps_id, sr.bin_id = free[0]
            self._arrive(sr, now)

        return await self._change(sr_id, change)

    async def pick(
        self, sr_id: int, line_id: str, kind: RequestType, quantity: int | None, tote_id: str | None
    ) -> ServiceRequest:
        """The operator picks (or puts) eaches of a line: its next slot's, unless told."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.kind is not kind:
                raise Conflict(f"Service request {sr.id} is a {sr.kind.value}.")
            line = sr.line(line_id)
            if tote_id is not None:
                line.attributes = {**line.attributes, "tote_id": tote_id}
            await self._transact(conn, sr, line, now, quantity)

        return await self._change(sr_id, change)

    async def exception(self, sr_id: int, line_id: str, kind: str, quantity: int) -> ServiceRequest:
        """The operator reports eaches of a line's slot missing, damaged or unscannable."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.kind is not RequestType.PICK:
                raise Conflict("Exceptions are raised on pick lines.")
            line = sr.line(line_id)
            others = await repo.matching(conn, line.filters)
            held = await repo.slots(conn, [b[0] for b in line.blocks])
            found = {s.id: s for s in others} | held
            ids = iter(await repo.new_ids(conn, 2))
            sr.exception(line, kind, quantity, now, found, [found[s.id] for s in others], ids)
            await repo.save_slots(conn, found.values(), now)
            await self._stock_events(conn, found.values(), now)
            self._after(sr, now)

        return await self._change(sr_id, change)

    # ------------------------------------------------------------------ stock

    async def seed_stock(self) -> None:
        """Stock an empty floor with the sandbox products."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await repo.has_stock(conn):
                return
            for attributes, quantity, subpack in machine.SANDBOX_STOCK:
                slot = await repo.slot_for(conn, attributes, now, subpack)
                slot.quantity = quantity
                await repo.save_slots(conn, [slot], now)

    async def stock(self) -> list[Slot]:
        """Every product on the floor."""
        async with self.db.read() as conn:
            return await repo.list_stock(conn)

    async def set_stock(
        self, attributes: dict[str, str], quantity: int, subpack: int | None
    ) -> Slot:
        """Count a product: its eaches on hand become `quantity` (not below what is blocked)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            slot = await repo.slot_for(conn, attributes, now, subpack or 1)
            if quantity < slot.blocked:
                raise Conflict(f"{slot.blocked} eaches of this product are blocked for picks.")
            slot.quantity = quantity
            await repo.save_slots(conn, [slot], now)
            if subpack is not None and subpack != slot.subpack:
                await repo.set_subpack(conn, slot.id, subpack)
                slot.subpack = subpack
            await self._stock_events(conn, [slot], now)
        return slot

    # ------------------------------------------------------------------ the floor

    async def _on_check(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is not None and sr.state is State.CREATED:
            await self._check(conn, sr, self.clock.now())
            await repo.update_request(conn, sr)

    async def _check(self, conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
        if sr.state is not State.CREATED:
            raise Conflict(f"Service request {sr.id} is {sr.state.value}; it was checked.")
        if sr.kind is RequestType.PICK:
            found = {line.id: await repo.matching(conn, line.filters) for line in sr.lines}
            if sr.block(now, found):
                touched = {s.id: s for slots in found.values() for s in slots}
                await repo.save_slots(conn, touched.values(), now)
                self._dispatch_soon(sr, now)
        else:
            sr.block(now, {})
            if self.floor.auto:
                sr.timers.append(
                    TimerRequest(now + timedelta(seconds=self.floor.rack_seconds), REACH_STEP)
                )

    async def _on_dispatch(self, conn: AsyncConnection, timer: Timer) -> None:
        if not self.floor.auto:
            return
        now = self.clock.now()
        free = await self._free_bins(conn)
        for row_id in await repo.waiting(conn, now, len(free)):
            sr = await repo.load_row(conn, row_id)
            if sr is None:
                continue
            sr.pps_id, sr.bin_id = free.pop(0)
            sr.timers.append(
                TimerRequest(now + timedelta(seconds=self.floor.rack_seconds), REACH_STEP)
            )
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
        self._arrive(sr, self.clock.now())
        await repo.update_request(conn, sr)

    async def _on_pick(self, conn: AsyncConnection, timer: Timer) -> None:
        sr = await self._timer_request(conn, timer)
        if sr is None or sr.state not in AT_STATION:
            return
        line = sr.next_line()
        if line is None:
            return
        await self._transact(conn, sr, line, self.clock.now(), None)
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
        sr.pps_id = sr.bin_id = None
        sr.modification(now, transaction, action, ok=True)
        if action == "cancel":
            sr.cancel(now, held)
            await repo.save_slots(conn, held.values(), now)
        else:
            sr.begin_modify(now, held)
            await repo.save_slots(conn, held.values(), now)
            added = await self._apply(conn, sr, timer.payload, now)
            await repo.add_line_refs(conn, sr, added)
            await self._check(conn, sr, now)
        if had_bin:
            self._dispatch_soon(sr, now)
        await repo.update_request(conn, sr)

    # ------------------------------------------------------------------ internals

    def _arrive(self, sr: ServiceRequest, now: datetime) -> None:
        sr.reach(now, sr.pps_id or 1, sr.bin_id)
        if self.floor.auto:
            sr.timers.append(
                TimerRequest(now + timedelta(seconds=self.floor.pick_seconds), PICK_STEP)
            )

    async def _transact(
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
        await self._stock_events(conn, touched.values(), now)
        self._after(sr, now)

    def _after(self, sr: ServiceRequest, now: datetime) -> None:
        """Plan the next step after a transaction: another pick, or leave the station."""
        if sr.state is State.COMPLETE and sr.kind is RequestType.PUT:
            sr.release(now)
        if sr.state in AT_STATION:
            if self.floor.auto:
                sr.timers.append(
                    TimerRequest(now + timedelta(seconds=self.floor.pick_seconds), PICK_STEP)
                )
        elif sr.bin_id is not None:
            sr.pps_id = sr.bin_id = None
            self._dispatch_soon(sr, now)

    def _dispatch_soon(self, sr: ServiceRequest, now: datetime) -> None:
        if self.floor.auto:
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
                line = _line(new, ids, now)
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

    async def _free_bins(self, conn: AsyncConnection) -> list[tuple[int, int]]:
        busy = await repo.busy_bins(conn)
        every = machine.station_bins(self.floor.stations, self.floor.bins)
        return [b for b in every if b not in busy]

    async def _timer_request(self, conn: AsyncConnection, timer: Timer) -> ServiceRequest | None:
        return None if timer.order_id is None else await repo.load_row(conn, timer.order_id)

    async def _stock_events(self, conn: AsyncConnection, slots: Any, now: datetime) -> None:
        new = [
            Event(
                STOCK_CHANGED,
                now,
                {"stockId": s.id, "attributes": s.attributes, "quantity": s.quantity},
            )
            for s in slots
        ]
        await event_log.append(conn, dialect=NAME, tenant=repo.TENANT, order_id=None, new=new)

    async def _change(
        self,
        sr_id: int,
        change: Callable[[AsyncConnection, ServiceRequest, datetime], Awaitable[None]],
    ) -> ServiceRequest:
        """Load, change and store one request in one transaction, retrying lost races."""

        async def load(conn: AsyncConnection) -> ServiceRequest | None:
            sr = await repo.load(conn, sr_id)
            return sr if sr is not None and sr.id == sr_id else None

        sr, _ = await self._changes.run(
            load,
            change,
            repo.update_request,
            missing=f"No service request with id {sr_id}.",
            label=f"service request {sr_id}",
        )
        return sr


def _line(new: NewLine, ids: Iterator[int], now: datetime) -> Line:
    line_id, container_id, product_id = next(ids), next(ids), next(ids)
    product = {
        "id": product_id,
        "productQuantity": new.quantity,
        "productAttributes": new.product_attributes,
        "createdOn": now.isoformat(),
    }
    return Line(
        id=line_id,
        external_id=new.external_id,
        quantity=new.quantity,
        product_attributes=new.product_attributes,
        expectations=[Container(container_id, [product], now)],
        created_at=now,
        updated_at=now,
    )
