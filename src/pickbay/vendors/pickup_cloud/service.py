"""Pickup Cloud commands: create, read, cancel, and the robot's input and pickup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core import ids
from pickbay.core.errors import Conflict, DemoFailure, InvalidInput, NotFound
from pickbay.engine.batch import GroupCommit
from pickbay.engine.changes import ChangeLoop
from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.engine.tenancy import Caller
from pickbay.store.db import Database
from pickbay.vendors.pickup_cloud import machine
from pickbay.vendors.pickup_cloud import repository as repo
from pickbay.vendors.pickup_cloud.demo_script import parse_demo_script
from pickbay.vendors.pickup_cloud.model import (
    Article,
    OrderKind,
    Pack,
    PickupOrder,
    PickupState,
    Policy,
)

R = TypeVar("R")


@dataclass(frozen=True)
class NewArticle:
    """An article as ordered."""

    scan_code: str
    name: str
    quantity: int
    interval: int | None = None


@dataclass(frozen=True)
class NewPickupOrder:
    """Everything a client sends to create an order (one-time, on-behalf-of or recurrent)."""

    kind: OrderKind
    order_number: str
    articles: list[NewArticle]
    related_notes: str | None = None
    dosage_information: str | None = None
    send_customer_pickup_mail: bool = False
    customer_self_registration: bool = False
    customer_details: dict[str, Any] | None = None
    origin: str | None = None
    origin_order_number: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None


@dataclass(frozen=True)
class PackInput:
    """One pack put into the robot: the article's scan code and what is known of the pack."""

    scan_code: str
    details: dict[str, Any] = field(default_factory=dict)


def check_recurrence(start: datetime, end: datetime, now: datetime) -> None:
    """The vendor's date rules: start not before today, end at least one day after today."""
    today = now.date()
    errors: dict[str, list[str]] = {}
    if start.date() < today:
        errors["startDate"] = ["The start date must be at least the current day."]
    if end.date() < today + timedelta(days=1):
        errors["endDate"] = ["The end date must be at least one day after the current day."]
    elif end < start:
        errors["endDate"] = ["The end date must not be before the start date."]
    if errors:
        raise InvalidInput(errors)


class PickupCloudService:
    """Every Pickup Cloud state change goes through here, and only here."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        scheduler: Scheduler,
        policy: Policy,
        *,
        demo_scripts: bool = True,
        faults: Faults | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self.policy = policy
        self.demo_scripts = demo_scripts
        self._creates = GroupCommit(db, repo.insert_orders, self._insert_one)
        self._changes = ChangeLoop(db, clock, scheduler)
        self.robot = machine.Robot(clock, scheduler, policy, faults)

    # ------------------------------------------------------------------ tenant API

    async def create(self, tenant: str, new: NewPickupOrder) -> PickupOrder:
        """Create an order; Conflict if the tenant (or the origin in it) already used its number."""
        now = self.clock.now()
        schedule_stage = new.kind is not OrderKind.ONE_TIME
        script = (
            parse_demo_script(new.related_notes, schedule_stage=schedule_stage)
            if self.demo_scripts
            else None
        )
        if script is not None and script.fail:
            raise DemoFailure("The demo script $fail asked for an unexpected error.")
        if new.kind is OrderKind.RECURRENT:
            assert new.start_date is not None
            assert new.end_date is not None
            check_recurrence(new.start_date, new.end_date, now)
        order = PickupOrder.create(
            tenant=tenant,
            kind=new.kind,
            order_number=new.order_number,
            pickup_code="customer_" + ids.hex_code(16),
            storage_code="pickup_" + ids.hex_code(16),
            now=now,
            articles=[(a.scan_code, a.name, a.quantity, a.interval) for a in new.articles],
            policy=self.policy,
            script=script,
            related_notes=new.related_notes,
            dosage_information=new.dosage_information,
            send_customer_pickup_mail=new.send_customer_pickup_mail,
            customer_self_registration=new.customer_self_registration,
            customer_details=new.customer_details,
            origin=new.origin,
            origin_order_number=new.origin_order_number,
            start_date=new.start_date,
            end_date=new.end_date,
        )
        await self._creates.submit(order)
        if order.timers:
            self.scheduler.poke()
        return order

    @staticmethod
    async def _insert_one(conn: AsyncConnection, order: PickupOrder) -> None:
        """Store one new order, naming the number that is already taken if one is."""
        if await repo.ref_taken(conn, order.tenant, "order_number", order.order_number):
            raise Conflict(f"An order with the order number '{order.order_number}' already exists.")
        origin, number = order.origin, order.origin_order_number
        if (
            origin is not None
            and number is not None
            and await repo.ref_taken(
                conn, repo.origin_scope(order.tenant, origin), "order_number", number
            )
        ):
            raise Conflict(f"The origin '{origin}' already has an order '{number}'.")
        await repo.insert_order(conn, order)

    @staticmethod
    async def _by_number(
        conn: AsyncConnection, caller: Caller, order_number: str
    ) -> PickupOrder | None:
        """The caller's order with this number: its origin's own number first, then the tenant's."""
        if caller.origin is not None:
            scope = repo.origin_scope(caller.tenant, caller.origin)
            order = await repo.load_by_ref(conn, scope, "order_number", order_number)
            if order is not None:
                return order
        return await repo.load_by_ref(conn, caller.tenant, "order_number", order_number)

    async def get_by_number(self, caller: Caller, order_number: str) -> PickupOrder:
        """The caller's order with this number (an origin's key: its own number first)."""
        async with self.db.read() as conn:
            order = await self._by_number(conn, caller, order_number)
        if order is None:
            raise NotFound(f"No order with the order number '{order_number}' was found.")
        return order

    async def get_by_pickup_code(self, tenant: str, pickup_code: str) -> PickupOrder:
        """The tenant's order with this pickup code."""
        async with self.db.read() as conn:
            order = await repo.load_by_ref(conn, repo.GLOBAL, "pickup_code", pickup_code)
        if order is None or order.tenant != tenant:
            raise NotFound(f"No order with the pickup code '{pickup_code}' was found.")
        return order

    async def list_orders(
        self, tenant: str, *, state: PickupState | None, skip: int, take: int
    ) -> list[PickupOrder]:
        """One page of the tenant's orders, oldest first."""
        async with self.db.read() as conn:
            return await repo.list_orders(
                conn, tenant, state=None if state is None else state.value, skip=skip, take=take
            )

    async def cancel(self, caller: Caller, order_number: str, reason: str) -> PickupOrder:
        """Cancel the caller's order."""

        async def locate(conn: AsyncConnection) -> PickupOrder | None:
            return await self._by_number(conn, caller, order_number)

        order, _ = await self._change(locate, lambda o, now: o.cancel(now, reason), order_number)
        return order

    # --------------------------------------------------------------- operator API

    async def input_packs(self, storage_code: str, packs: list[PackInput] | None) -> PickupOrder:
        """The robot stores packs for the order with this storage code (all missing if None)."""

        def change(order: PickupOrder, now: datetime) -> None:
            if packs is None:
                order.input_all(now, machine.pack_maker(now), self.policy)
                return
            for item in packs:
                article = self._input_target(order, item.scan_code)
                pack = machine.completed_pack(order, article, len(article.packs), item.details, now)
                order.input_pack(item.scan_code, pack, now, self.policy)

        order, _ = await self._change(
            self._by_code("storage_code", storage_code), change, storage_code
        )
        return order

    async def pick_up(self, pickup_code: str) -> tuple[PickupOrder, list[Pack]]:
        """The customer scans the pickup code and the robot outputs every stored pack."""
        return await self._change(
            self._by_code("pickup_code", pickup_code),
            lambda o, now: o.pick_up(now, machine.output_details, self.policy),
            pickup_code,
        )

    async def operator_cancel(self, code: str, reason: str) -> PickupOrder:
        """Cancel from the operator's side, by pickup or storage code."""
        kind = "storage_code" if code.startswith("pickup_") else "pickup_code"
        order, _ = await self._change(
            self._by_code(kind, code), lambda o, now: o.cancel(now, reason), code
        )
        return order

    async def get_by_code(self, code: str) -> PickupOrder:
        """Any order by its pickup or storage code (operator view, every tenant)."""
        kind = "storage_code" if code.startswith("pickup_") else "pickup_code"
        async with self.db.read() as conn:
            order = await repo.load_by_ref(conn, repo.GLOBAL, kind, code)
        if order is None:
            raise NotFound(f"No order has the code '{code}'.")
        return order

    # ---------------------------------------------------------------- internals

    @staticmethod
    def _input_target(order: PickupOrder, scan_code: str) -> Article:
        for article in order.articles:
            if article.scan_code == scan_code and article.state is PickupState.READYFORINPUT:
                return article
        for article in order.articles:
            if article.scan_code == scan_code:
                return article
        raise InvalidInput(
            {"scanCode": [f"Order {order.order_number} has no article {scan_code}."]}
        )

    @staticmethod
    def _by_code(
        kind: str, code: str
    ) -> Callable[[AsyncConnection], Awaitable[PickupOrder | None]]:
        async def locate(conn: AsyncConnection) -> PickupOrder | None:
            return await repo.load_by_ref(conn, repo.GLOBAL, kind, code)

        return locate

    async def _change(
        self,
        locate: Callable[[AsyncConnection], Awaitable[PickupOrder | None]],
        change: Callable[[PickupOrder, datetime], R],
        label: str,
    ) -> tuple[PickupOrder, R]:
        """Load, change and store one order in one transaction, retrying lost races."""

        async def apply(_conn: AsyncConnection, order: PickupOrder, now: datetime) -> R:
            return change(order, now)

        return await self._changes.run(
            locate,
            apply,
            repo.update_order,
            missing=f"No order '{label}' was found.",
            label=f"order '{label}'",
        )
