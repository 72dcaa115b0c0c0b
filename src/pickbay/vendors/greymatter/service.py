"""GreyMatter commands: service requests on the simulated goods-to-person floor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict, InvalidInput, NotFound
from pickbay.core.events import Event
from pickbay.core.timers import TimerRequest
from pickbay.engine.changes import ChangeLoop
from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.store import timers as timer_store
from pickbay.store.db import Database
from pickbay.vendors.greymatter import machine
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.model import (
    CREATED,
    TRANSACTION_STEP,
    Line,
    NewLine,
    RequestType,
    ServiceRequest,
    Slot,
    State,
    new_line,
)


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


class GreyMatterService:
    """Every GreyMatter state change goes through here, and only here."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        scheduler: Scheduler,
        layout: machine.Layout,
        faults: Faults | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self._changes = ChangeLoop(db, clock, scheduler)
        self.floor = machine.Floor(clock, scheduler, layout, faults)

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
                lines=[new_line(x, ids, now) for x in new.lines],
                attributes=new.attributes,
                received_at=now,
                created_at=now,
                updated_at=now,
            )
            sr.events.append(
                Event(CREATED, now, {"id": sr.id, "externalServiceRequestId": sr.external_id})
            )
            self.floor.plan_check(sr, now)
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
        return await self._change(sr_id, self.floor.check)

    async def reach(self, sr_id: int) -> ServiceRequest:
        """A rack reaches a station for this request now (it takes a free bin)."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.state not in (State.FULFILLABLE, State.STAGE_REQUESTED):
                raise Conflict(f"Service request {sr.id} is {sr.state.value}, not waiting.")
            if sr.bin_id is None and sr.kind is RequestType.PICK:
                free = await self.floor.free_bins(conn)
                if not free:
                    raise Conflict("Every station bin is taken.")
                sr.pps_id, sr.bin_id = free[0]
            self.floor.arrive(sr, now)

        return await self._change(sr_id, change)

    async def pick(
        self, sr_id: int, line_id: str, kind: RequestType, quantity: int | None, tote_id: str | None
    ) -> ServiceRequest:
        """The operator picks (or puts) eaches of a line: its next slot's, unless told."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.kind is not kind:
                raise Conflict(f"Service request {sr.id} is a {sr.kind.value}.")
            line = _named_line(sr, line_id)
            if tote_id is not None:
                line.attributes = {**line.attributes, "tote_id": tote_id}
            await self.floor.transact(conn, sr, line, now, quantity)

        return await self._change(sr_id, change)

    async def exception(self, sr_id: int, line_id: str, kind: str, quantity: int) -> ServiceRequest:
        """The operator reports eaches of a line's slot missing, damaged or unscannable."""

        async def change(conn: AsyncConnection, sr: ServiceRequest, now: datetime) -> None:
            if sr.kind is not RequestType.PICK:
                raise Conflict("Exceptions are raised on pick lines.")
            line = _named_line(sr, line_id)
            await self.floor.exception(conn, sr, line, kind, quantity, now)

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
            await machine.stock_events(conn, [slot], now)
        return slot

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


def _named_line(sr: ServiceRequest, line_id: str) -> Line:
    """The line a path names: NotFound if the request has none of that id."""
    try:
        return sr.line(line_id)
    except InvalidInput:
        raise NotFound(f"Service request {sr.id} has no line '{line_id}'.") from None
