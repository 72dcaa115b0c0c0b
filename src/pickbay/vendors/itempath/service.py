"""ItemPath commands: orders, lines and materials on the simulated lift module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict, InvalidInput, NotFound
from pickbay.core.events import Event
from pickbay.core.query import ListQuery
from pickbay.engine.changes import ChangeLoop
from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.store import events as event_log
from pickbay.store.db import Database
from pickbay.vendors.itempath import machine
from pickbay.vendors.itempath import repository as repo
from pickbay.vendors.itempath.model import (
    MATERIAL_CHANGED,
    NAME,
    ORDER_CREATED,
    ORDER_UPDATED,
    TRANSACTION_UPDATED,
    Direction,
    ExportState,
    LiftLine,
    LiftOrder,
    OrderStatus,
    line_times,
    new_id,
)

R = TypeVar("R")
EDITABLE = (OrderStatus.QUEUED, OrderStatus.UNTOUCHED, OrderStatus.READY)


@dataclass(frozen=True)
class NewLine:
    """An order line as posted: a material (by id or name) and a quantity."""

    quantity: float
    material_id: str | None = None
    material_name: str | None = None
    number: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewLiftOrder:
    """An order as posted."""

    name: str
    direction: Direction
    lines: list[NewLine]
    priority: int = 2
    allocate: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    dynamic: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderChanges:
    """What an update sets; None leaves an attribute as it is."""

    name: str | None = None
    direction: Direction | None = None
    priority: int | None = None
    allocate: bool | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    dynamic: dict[str, str | None] = field(default_factory=dict)


class ItemPathService:
    """Every ItemPath state change goes through here, and only here."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        scheduler: Scheduler,
        timing: machine.Timing,
        faults: Faults | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scheduler = scheduler
        self._changes = ChangeLoop(db, clock, scheduler)
        self.lift = machine.Lift(clock, scheduler, timing, faults)

    # ------------------------------------------------------------------ orders

    async def create(self, new: NewLiftOrder) -> LiftOrder:
        """Queue an order for import; Conflict if its name is taken."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            resolved = await self._resolve(conn, new.lines, "order_lines")
            numbers = _numbers(new.lines)
            written = line_times(now, len(new.lines))
            lines = [
                LiftLine(
                    id=new_id(),
                    number=number,
                    material_id=material["uuid"],
                    material_name=material["name"],
                    quantity=float(line.quantity),
                    modified_at=at,
                    fields=dict(line.fields),
                )
                for line, material, number, at in zip(
                    new.lines, resolved, numbers, written, strict=True
                )
            ]
            order = LiftOrder(
                id=new_id(),
                name=new.name,
                direction=new.direction,
                created_at=now,
                modified_at=now,
                lines=lines,
                priority=new.priority,
                allocate=new.allocate,
                fields=dict(new.fields),
                dynamic=dict(new.dynamic),
            )
            order.check_stock(await repo.lock_stock(conn, (m["uuid"] for m in resolved)))
            order.record(ORDER_CREATED, now, directionType=int(order.direction))
            self.lift.plan_import(order, now)
            await repo.insert_order(conn, order)
        self.scheduler.poke()
        return order

    async def get(self, order_id: str) -> LiftOrder:
        """The order with this id, live or processed."""
        async with self.db.read() as conn:
            order = await repo.load(conn, order_id)
        if order is None:
            raise NotFound(f"Order '{order_id}' does not exist.")
        return order

    async def list_orders(self, query: ListQuery) -> list[LiftOrder]:
        """A page of orders."""
        async with self.db.read() as conn:
            return await repo.list_orders(conn, query)

    async def count_orders(self, query: ListQuery) -> int:
        """How many orders match."""
        async with self.db.read() as conn:
            return await repo.count_orders(conn, query)

    async def known_dynamic_field(self, name: str) -> bool:
        """Whether any order carries this custom field."""
        async with self.db.read() as conn:
            return await repo.dynamic_field_exists(conn, name)

    async def update(self, order_id: str, changes: OrderChanges) -> LiftOrder:
        """Change an order's attributes; allocate or deallocate it if asked."""

        async def change(conn: AsyncConnection, order: LiftOrder, now: datetime) -> None:
            if order.status is OrderStatus.PROCESSED:
                raise Conflict(f"Order '{order.name}' is processed and can no longer change.")
            if changes.name is not None:
                order.name = changes.name  # a taken name fails the write (Conflict)
            if changes.direction is not None and changes.direction is not order.direction:
                if order.is_allocated:
                    raise Conflict(f"Order '{order.name}' is allocated; deallocate it first.")
                order.direction = changes.direction
            if changes.priority is not None:
                order.priority = changes.priority
            order.fields.update(changes.fields)
            order.set_dynamic(changes.dynamic)
            order.modified_at = now
            sent = sorted([*changes.fields, *changes.dynamic])
            order.record(ORDER_UPDATED, now, changed=sent)
            if changes.allocate is not None:
                await self._set_allocation(conn, order, changes.allocate, now)

        return await self._change(order_id, change)

    async def delete(self, order_id: str) -> None:
        """Delete an order and its lines, giving back what it had reserved."""

        async def change(conn: AsyncConnection, order: LiftOrder, now: datetime) -> None:
            if order.is_allocated:
                stock = await machine.order_stock(conn, order)
                order.release(stock)
                await repo.save_stock(conn, stock.values(), now)
            order.delete(now)

        await self._change(order_id, change, store=repo.delete_order)

    async def confirm_line(self, order_id: str, number: int, quantity: float | None) -> LiftOrder:
        """The operator confirms a line by hand (the allocated quantity unless told)."""

        async def change(conn: AsyncConnection, order: LiftOrder, now: datetime) -> None:
            stock = await machine.order_stock(conn, order)
            order.confirm(number, now, stock, quantity)
            await repo.save_stock(conn, stock.values(), now)

        return await self._change(order_id, change)

    # ------------------------------------------------------------------ lines

    async def list_lines(self, query: ListQuery) -> list[tuple[LiftLine, str, int]]:
        """A page of order lines, each with its order's id and direction."""
        async with self.db.read() as conn:
            return await repo.list_lines(conn, query)

    async def count_lines(self, query: ListQuery) -> int:
        """How many order lines match."""
        async with self.db.read() as conn:
            return await repo.count_lines(conn, query)

    async def get_line(self, line_id: str) -> tuple[LiftLine, LiftOrder]:
        """A line with the order that holds it."""
        async with self.db.read() as conn:
            order_id = await repo.order_of_line(conn, line_id)
            order = None if order_id is None else await repo.load(conn, order_id)
        for line in [] if order is None else order.lines:
            if line.id == line_id:
                assert order is not None
                return line, order
        raise NotFound(f"Order line '{line_id}' does not exist.")

    async def add_line(self, order_id: str, new: NewLine) -> tuple[LiftLine, LiftOrder]:
        """Add a line to an order that is not allocated yet."""
        added: list[LiftLine] = []

        async def change(conn: AsyncConnection, order: LiftOrder, now: datetime) -> None:
            if order.status not in EDITABLE:
                raise Conflict(f"Order '{order.name}' is {order.status.value}; lines are fixed.")
            (material,) = await self._resolve(conn, [new], "order_line")
            number = new.number or max((x.number for x in order.lines), default=0) + 1
            if any(x.number == number for x in order.lines):
                raise InvalidInput({"number": [f"Order '{order.name}' has a line {number}."]})
            line = LiftLine(
                id=new_id(),
                number=number,
                material_id=material["uuid"],
                material_name=material["name"],
                quantity=float(new.quantity),
                modified_at=now,
                fields=dict(new.fields),
            )
            order.lines.append(line)
            order.lines.sort(key=lambda x: x.number)
            order.check_stock(await machine.order_stock(conn, order))
            order.modified_at = now
            order.record(ORDER_UPDATED, now, changed=["order_lines"])
            added.append(line)

        order = await self._change(order_id, change)
        return added[0], order

    # ------------------------------------------------------------------ materials

    async def seed_materials(self) -> None:
        """Stock an empty sandbox with the simulated lift's materials."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if await repo.count_materials(conn, ListQuery()) > 0:
                return
            for name, description, quantity in machine.SANDBOX_MATERIALS:
                await repo.insert_material(
                    conn,
                    _material_row(
                        machine.material_id(name),
                        {"name": name, "description": description, "unit_of_measure": "Piece"},
                        now,
                        quantity,
                    ),
                )

    async def create_material(self, values: dict[str, Any]) -> dict[str, Any]:
        """Add a material (no stock until a put order or an operator adds some)."""
        now = self.clock.now()
        row = _material_row(new_id(), values, now, 0.0)
        async with self.db.transaction() as conn:
            await repo.insert_material(conn, row)
            await self._material_event(conn, row["uuid"], now)
            found = await repo.load_material(conn, row["uuid"])
        assert found is not None
        return found

    async def get_material(self, key: str) -> dict[str, Any]:
        """A material by id or name."""
        async with self.db.read() as conn:
            return await _material(conn, key)

    async def update_material(self, key: str, values: dict[str, Any]) -> dict[str, Any]:
        """Change a material's attributes."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await _material(conn, key)
            if values:
                await repo.update_material(conn, found["uuid"], {**values, "modified_date": now})
                await self._material_event(conn, found["uuid"], now)
            changed = await repo.load_material(conn, found["uuid"])
        assert changed is not None
        return changed

    async def delete_material(self, key: str) -> None:
        """Remove a material no order line refers to."""
        async with self.db.transaction() as conn:
            found = await _material(conn, key)
            if await repo.material_in_use(conn, found["uuid"]):
                raise Conflict(f"Material '{found['name']}' is used by order lines.")
            await repo.delete_material(conn, found["uuid"])
            await self._material_event(conn, found["uuid"], self.clock.now(), deleted=True)

    async def set_stock(self, key: str, quantity: float) -> dict[str, Any]:
        """The operator counts a material: its quantity on hand becomes `quantity`."""
        if quantity < 0:
            raise InvalidInput({"quantity": ["The quantity on hand cannot be negative."]})
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await _material(conn, key)
            stock = await repo.lock_stock(conn, [found["uuid"]])
            stock[found["uuid"]].current = float(quantity)
            await repo.save_stock(conn, stock.values(), now)
            await self._material_event(conn, found["uuid"], now)
            changed = await repo.load_material(conn, found["uuid"])
        assert changed is not None
        return changed

    async def list_materials(self, query: ListQuery) -> list[dict[str, Any]]:
        """A page of materials."""
        async with self.db.read() as conn:
            return await repo.list_materials(conn, query)

    async def count_materials(self, query: ListQuery) -> int:
        """How many materials match."""
        async with self.db.read() as conn:
            return await repo.count_materials(conn, query)

    async def _set_allocation(
        self, conn: AsyncConnection, order: LiftOrder, allocate: bool, now: datetime
    ) -> None:
        if order.status is OrderStatus.QUEUED:
            order.allocate = allocate
            return
        if allocate and order.status in (OrderStatus.UNTOUCHED, OrderStatus.READY):
            stock = await machine.order_stock(conn, order)
            order.allocate_stock(now, stock)
            self.lift.plan_next_line(order, now)
            await repo.save_stock(conn, stock.values(), now)
        elif not allocate and order.status is OrderStatus.ALLOCATED:
            stock = await machine.order_stock(conn, order)
            order.deallocate(now, stock)
            await repo.save_stock(conn, stock.values(), now)
        elif not allocate and order.status is OrderStatus.IN_PROCESS:
            raise Conflict(f"Order '{order.name}' is in process and cannot be deallocated.")
        order.allocate = allocate

    # ------------------------------------------------------------------ internals

    async def _resolve(
        self, conn: AsyncConnection, lines: list[NewLine], where: str
    ) -> list[dict[str, Any]]:
        """Each line's material, by id or by name; InvalidInput naming every unknown one."""
        ids = [x.material_id for x in lines if x.material_id]
        names = [x.material_name for x in lines if x.material_name and not x.material_id]
        found = await repo.find_materials(conn, ids, names)
        by_id = {m["uuid"].upper(): m for m in found}
        by_name = {m["name"]: m for m in found}
        resolved: list[dict[str, Any]] = []
        errors: list[str] = []
        for line in lines:
            material = (
                by_id.get(line.material_id.upper())
                if line.material_id
                else by_name.get(line.material_name or "")
            )
            if material is None:
                errors.append(f"Material '{line.material_id or line.material_name}' not found.")
            else:
                resolved.append(material)
        if errors:
            raise InvalidInput({where: errors})
        return resolved

    # ------------------------------------------------------------ storage units

    async def list_storage_units(self, query: ListQuery) -> list[dict[str, Any]]:
        """A page of the installation's storage units."""
        async with self.db.read() as conn:
            return await repo.list_storage_units(conn, query)

    async def count_storage_units(self, query: ListQuery) -> int:
        """How many storage units match."""
        async with self.db.read() as conn:
            return await repo.count_storage_units(conn, query)

    async def get_storage_unit(self, unit_id: str) -> dict[str, Any]:
        """One storage unit; NotFound if there is none."""
        async with self.db.read() as conn:
            found = await repo.load_storage_unit(conn, unit_id)
        return _required(found, f"Storage unit '{unit_id}'")

    # ------------------------------------------------------------ transactions

    async def list_transactions(self, query: ListQuery) -> list[dict[str, Any]]:
        """A page of the lift's history."""
        async with self.db.read() as conn:
            return await repo.list_transactions(conn, query)

    async def count_transactions(self, query: ListQuery) -> int:
        """How many history rows match."""
        async with self.db.read() as conn:
            return await repo.count_transactions(conn, query)

    async def get_transaction(self, transaction_id: str) -> dict[str, Any]:
        """One history row; NotFound if there is none."""
        async with self.db.read() as conn:
            return await _transaction(conn, transaction_id)

    async def set_export_state(self, transaction_id: str, state: ExportState) -> dict[str, Any]:
        """A host system marks a history row exported (or failed, or not to export)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await _transaction(conn, transaction_id)
            if found["export_state_type"] != state:
                await repo.set_export_state(conn, found["uuid"], int(state))
                payload = {
                    "id": found["uuid"],
                    "orderName": found["order_name"],
                    "exportStateType": int(state),
                    "previous": found["export_state_type"],
                }
                await event_log.append(
                    conn,
                    dialect=NAME,
                    tenant=repo.TENANT,
                    order_id=None,
                    new=[Event(TRANSACTION_UPDATED, now, payload)],
                )
                found["export_state_type"] = int(state)
            return found

    async def _material_event(
        self, conn: AsyncConnection, material: str, now: datetime, *, deleted: bool = False
    ) -> None:
        payload: dict[str, Any] = {"materialId": material, "deleted": deleted}
        if not deleted:
            row = await repo.load_material(conn, material)
            assert row is not None
            payload.update(name=row["name"], currentQuantity=row["current_quantity"])
        await event_log.append(
            conn,
            dialect=NAME,
            tenant=repo.TENANT,
            order_id=None,
            new=[Event(MATERIAL_CHANGED, now, payload)],
        )

    async def _change(
        self,
        order_id: str,
        change: Callable[[AsyncConnection, LiftOrder, datetime], Awaitable[None]],
        *,
        store: Callable[[AsyncConnection, LiftOrder], Awaitable[None]] = repo.update_order,
    ) -> LiftOrder:
        """Load, change and store (or delete) one order in one transaction, retrying races."""
        order, _ = await self._changes.run(
            lambda conn: repo.load(conn, order_id),
            change,
            store,
            missing=f"Order '{order_id}' does not exist.",
            label=f"order '{order_id}'",
        )
        return order


def _required(found: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """`found`, or NotFound saying `what` does not exist."""
    if found is None:
        raise NotFound(f"{what} does not exist.")
    return found


async def _transaction(conn: AsyncConnection, transaction_id: str) -> dict[str, Any]:
    found = await repo.load_transaction(conn, transaction_id)
    return _required(found, f"Transaction '{transaction_id}'")


async def _material(conn: AsyncConnection, key: str) -> dict[str, Any]:
    """A material by id or name; NotFound if there is none."""
    return _required(await repo.load_material(conn, key), f"Material '{key}'")


def _numbers(lines: list[NewLine]) -> list[int]:
    """Line numbers: the given ones, the rest counted on from the highest so far."""
    given = [x.number for x in lines if x.number is not None]
    if len(given) != len(set(given)):
        raise InvalidInput({"order_lines": ["Line numbers must be unique within an order."]})
    taken, out, nxt = set(given), [], 1
    for line in lines:
        if line.number is not None:
            out.append(line.number)
            continue
        while nxt in taken:
            nxt += 1
        taken.add(nxt)
        out.append(nxt)
    return out


def _material_row(
    material_uuid: str, values: dict[str, Any], now: datetime, quantity: float
) -> dict[str, Any]:
    return {
        "uuid": material_uuid,
        "description": None,
        "unit_of_measure": None,
        **{f"info{n}": None for n in range(1, 6)},
        "is_blocked": 0,
        **values,
        "current_quantity": quantity,
        "pick_quantity": 0.0,
        "put_quantity": 0.0,
        "creation_date": now,
        "modified_date": now,
    }
