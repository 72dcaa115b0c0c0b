"""ItemPath orders on a Kardex Power Pick lift module: statuses, allocation, line processing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any

from pickbay.core import ids
from pickbay.core.errors import InvalidInput, NotFound
from pickbay.core.events import Event
from pickbay.core.lifecycle import Lifecycle
from pickbay.core.timers import TimerKind, TimerRequest

NAME = "itempath"

ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ORDER_STATUS_CHANGED = "order.status_changed"
ORDER_DELETED = "order.deleted"
LINE_PROCESSED = "line.processed"
MATERIAL_CHANGED = "material.changed"
TRANSACTION_UPDATED = "transaction.updated"

# The simulated installation: one warehouse holding one lift module (the seed's example names).
WAREHOUSE_NAME = "Warehouse"
STORAGE_UNIT = {"id": "CA1E5648-FA38-416F-9604-CF33A6763496", "name": "VLM-01"}


def new_id() -> str:
    """A new record id, as Power Pick writes its GUIDs (upper case)."""
    return ids.guid()


# Power Pick's database is SQL Server, whose `datetime` counts time in 1/300 s: its timestamps
# read .000, .003, .007, .010, ... (the seed's examples: .353000, .373000, .393000, .417000).
TICKS_PER_SECOND = 300


def power_pick_time(t: datetime) -> datetime:
    """`t` as SQL Server's `datetime` keeps it (rounded to 1/300 s, shown in whole ms)."""
    ticks = round(t.microsecond * TICKS_PER_SECOND / 1_000_000)
    whole = t.replace(microsecond=0) + timedelta(seconds=ticks // TICKS_PER_SECOND)
    millis = round(ticks % TICKS_PER_SECOND * 1000 / TICKS_PER_SECOND)
    return whole.replace(microsecond=millis * 1000)


def line_times(now: datetime, count: int) -> list[datetime]:
    """When each line of a new order is written: one after another, a tick apart."""
    return [power_pick_time(now + timedelta(seconds=i / TICKS_PER_SECOND)) for i in range(count)]


# The lift's steps: importing a posted order, and its operator confirming the next line.
IMPORT_STEP = TimerKind(NAME, "import")
PROCESS_STEP = TimerKind(NAME, "process")


INFO = tuple(f"info{n}" for n in range(1, 6))
# Stored attributes of an order and of a line (`fields` keys); any other key is free data.
ORDER_ATTRIBUTES = frozenset(
    [
        *INFO,
        "deadline",
        "warehouse_name",
        "owner",
        "recipient",
        "unit",
        "handling_unit",
        "count_empty_locations",
    ]
)
LINE_ATTRIBUTES = frozenset([*INFO, "lot", "serial_number", "qualification", "host_identification"])


class Direction(IntEnum):
    """What an order does to stock."""

    PUT = 1
    PICK = 2
    RETURN = 3
    TRANSPORT = 4
    COUNT = 5
    PRODUCTION = 7

    @classmethod
    def parse(cls, value: object) -> Direction:
        """An integer or a case-insensitive name ("Put", "pick", 2); ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError(value)
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return cls(int(text))
            return cls[text.upper()]
        raise ValueError(value)

    @property
    def adds_stock(self) -> bool:
        """Whether confirming a line of this direction stores material."""
        return self in (Direction.PUT, Direction.RETURN)

    @property
    def removes_stock(self) -> bool:
        """Whether confirming a line of this direction takes material out."""
        return self in (Direction.PICK, Direction.PRODUCTION)


class OrderStatus(StrEnum):
    """The statuses an order shows; `queued` until Power Pick imports it."""

    QUEUED = "queued"
    UNTOUCHED = "Untouched"
    READY = "Ready for Allocation"
    ALLOCATED = "Is Allocated"
    IN_PROCESS = "In Process"
    PROCESSED = "Processed"


class LineStatus(StrEnum):
    """A line waits in the queue until the lift's operator confirms it."""

    QUEUED = "queued"
    PROCESSED = "processed"


class Trigger(StrEnum):
    """What moves an order on."""

    IMPORT = "import"
    ALLOCATE = "allocate"
    DEALLOCATE = "deallocate"
    CONFIRM = "confirm a line"
    FINISH = "finish"


S = OrderStatus
LIFECYCLE: Lifecycle[OrderStatus, Trigger] = Lifecycle(
    "ItemPath order",
    [
        ([S.QUEUED], Trigger.IMPORT, S.UNTOUCHED),
        ([S.UNTOUCHED, S.READY], Trigger.ALLOCATE, S.ALLOCATED),
        ([S.ALLOCATED], Trigger.DEALLOCATE, S.READY),
        ([S.ALLOCATED, S.IN_PROCESS], Trigger.CONFIRM, S.IN_PROCESS),
        ([S.IN_PROCESS], Trigger.FINISH, S.PROCESSED),
    ],
)


@dataclass
class Stock:
    """One material's quantities: on hand, and reserved by pick and put orders."""

    material_id: str
    name: str
    current: float
    pick: float = 0.0
    put: float = 0.0

    @property
    def available(self) -> float:
        """What a new pick allocation may still take."""
        return max(self.current - self.pick, 0.0)


class HistoryType(IntEnum):
    """Power Pick's history (transaction) types that the simulated lift writes."""

    ORDER_PUT = 3
    ORDER_PICK = 4
    TRANSFER = 5
    ORDER_COUNT = 6
    CANCEL_REQUEST = 11
    PRODUCTION = 13


class MotiveType(IntEnum):
    """Why a line was not fully completed (the ones the simulated lift gives)."""

    NOT_SET = 0
    SHORTAGE = 2
    DELETED = 5


class ExportState(IntEnum):
    """Where a history row stands with the host system that exports it."""

    NOT_SET = 0
    CANNOT_YET = 1
    READY = 2
    EXPORTING = 3
    EXPORTED = 4
    FAILED = 5
    NOT_TO_EXPORT = 6


# The history type of a confirmed line, by its order's direction (Return and Transport are
# inferred: a return goes back into stock, a transport moves it).
HISTORY_TYPES = {
    Direction.PUT: HistoryType.ORDER_PUT,
    Direction.PICK: HistoryType.ORDER_PICK,
    Direction.RETURN: HistoryType.ORDER_PUT,
    Direction.TRANSPORT: HistoryType.TRANSFER,
    Direction.COUNT: HistoryType.ORDER_COUNT,
    Direction.PRODUCTION: HistoryType.PRODUCTION,
}


@dataclass(frozen=True)
class HistoryRow:
    """One transaction Power Pick records: what was done to one line, and why not all of it."""

    type: HistoryType
    motive: MotiveType
    line_id: str
    line_number: int
    material_id: str
    material_name: str
    quantity: float
    quantity_confirmed: float
    at: datetime
    lot: str | None = None
    serial_number: str | None = None


@dataclass
class LiftLine:
    """One order line: a material and a quantity, confirmed (maybe short) by the operator."""

    id: str
    number: int
    material_id: str
    material_name: str
    quantity: float
    modified_at: datetime
    status: LineStatus = LineStatus.QUEUED
    quantity_confirmed: float = 0.0
    quantity_requested: float = 0.0
    allocated: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)
    stored: bool = False  # already in the database (an update, not an insert)

    @property
    def quantity_deviated(self) -> float:
        """What was asked for and not (yet) confirmed."""
        return self.quantity - self.quantity_confirmed


@dataclass
class LiftOrder:
    """An order as Power Pick holds it; every change appends to `events` (and maybe `timers`)."""

    id: str
    name: str
    direction: Direction
    created_at: datetime
    modified_at: datetime
    lines: list[LiftLine]
    status: OrderStatus = OrderStatus.QUEUED
    priority: int = 2
    allocate: bool = False
    has_stock: int = 0
    incomplete_allocations: int = 0
    order_type: int = 1
    fields: dict[str, Any] = field(default_factory=dict)
    dynamic: dict[str, str | None] = field(default_factory=dict)
    changed_dynamic: set[str] = field(default_factory=set)
    row_id: int | None = None
    version: int = 0
    events: list[Event] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)  # new rows, written with the order
    timers: list[TimerRequest] = field(default_factory=list)

    # ------------------------------------------------------------------ queries

    @property
    def is_allocated(self) -> bool:
        """Whether the order holds reservations on stock."""
        return self.status in (OrderStatus.ALLOCATED, OrderStatus.IN_PROCESS)

    def queued_lines(self) -> list[LiftLine]:
        """Lines the operator has yet to confirm, in line order."""
        return [line for line in self.lines if line.status is LineStatus.QUEUED]

    def line(self, number: int) -> LiftLine:
        """The line with this number; NotFound if there is none."""
        for line in self.lines:
            if line.number == number:
                return line
        raise NotFound(f"Order {self.name} has no line {number}.", field="number")

    def check_stock(self, stock: dict[str, Stock]) -> None:
        """Set `hasStock`: whether what is free now covers every line (always for puts)."""
        if not self.direction.removes_stock:
            self.has_stock = 1
            return
        wanted: dict[str, float] = {}
        for line in self.queued_lines():
            wanted[line.material_id] = wanted.get(line.material_id, 0.0) + line.quantity
        self.has_stock = int(
            all(stock[m].available + self._reserved(m) >= q for m, q in wanted.items())
        )

    def _reserved(self, material_id: str) -> float:
        return sum(
            line.allocated
            for line in self.lines
            if line.material_id == material_id and line.status is LineStatus.QUEUED
        )

    # ------------------------------------------------------------------ changes

    def set_dynamic(self, values: dict[str, str | None]) -> None:
        """Set custom fields; only these are written back."""
        self.dynamic.update(values)
        self.changed_dynamic.update(values)

    def record(self, kind: str, now: datetime, **extra: Any) -> None:
        """Append an event about this order."""
        payload = {"id": self.id, "name": self.name, "status": self.status.value, **extra}
        self.events.append(Event(kind, now, payload))

    def _move(self, trigger: Trigger, now: datetime) -> None:
        before = self.status
        self.status = LIFECYCLE.next(self.status, trigger)
        self.modified_at = now
        self.record(ORDER_STATUS_CHANGED, now, previous=before.value)

    def import_(self, now: datetime, stock: dict[str, Stock]) -> None:
        """Power Pick imports the queued order; it allocates at once if it was asked to."""
        self._move(Trigger.IMPORT, now)
        self.check_stock(stock)
        if self.allocate:
            self.allocate_stock(now, stock)

    def allocate_stock(self, now: datetime, stock: dict[str, Stock]) -> None:
        """Reserve stock for every line; short lines count as incomplete allocations."""
        self._move(Trigger.ALLOCATE, now)
        incomplete = 0
        for line in self.queued_lines():
            item = stock[line.material_id]
            if self.direction.removes_stock:
                line.allocated = min(line.quantity, item.available)
                item.pick += line.allocated
            elif self.direction.adds_stock:
                line.allocated = line.quantity
                item.put += line.allocated
            else:
                line.allocated = line.quantity
            line.quantity_requested = line.allocated
            if line.allocated < line.quantity:
                incomplete += 1
        self.incomplete_allocations = incomplete
        self.check_stock(stock)

    def deallocate(self, now: datetime, stock: dict[str, Stock]) -> None:
        """Give every reservation back; the order waits as Ready for Allocation."""
        self._move(Trigger.DEALLOCATE, now)
        self.release(stock)

    def delete(self, now: datetime) -> None:
        """The order is deleted: a lift that had it records each open line as cancelled."""
        if self.status is not OrderStatus.QUEUED:
            for line in self.queued_lines():
                self._history(line, HistoryType.CANCEL_REQUEST, MotiveType.DELETED, now)
        self.record(ORDER_DELETED, now)

    def _history(
        self, line: LiftLine, kind: HistoryType, motive: MotiveType | None, now: datetime
    ) -> None:
        self.history.append(
            HistoryRow(
                type=kind,
                motive=MotiveType.NOT_SET if motive is None else motive,
                line_id=line.id,
                line_number=line.number,
                material_id=line.material_id,
                material_name=line.material_name,
                quantity=line.quantity,
                quantity_confirmed=line.quantity_confirmed,
                at=now,
                lot=line.fields.get("lot"),
                serial_number=line.fields.get("serial_number"),
            )
        )

    def release(self, stock: dict[str, Stock]) -> None:
        """Drop the reservations of lines not yet confirmed (on deallocation or deletion)."""
        for line in self.queued_lines():
            item = stock.get(line.material_id)
            if item is not None:
                if self.direction.removes_stock:
                    item.pick = max(item.pick - line.allocated, 0.0)
                elif self.direction.adds_stock:
                    item.put = max(item.put - line.allocated, 0.0)
            line.allocated = 0.0
            line.quantity_requested = 0.0
        self.incomplete_allocations = 0

    def confirm(
        self, number: int, now: datetime, stock: dict[str, Stock], quantity: float | None = None
    ) -> LiftLine:
        """The operator confirms a line: by default what was allocated (a short pick if less)."""
        line = self.line(number)
        if line.status is not LineStatus.QUEUED:
            raise InvalidInput({"number": [f"Line {number} of order {self.name} is processed."]})
        item = stock[line.material_id]
        counting = self.direction is Direction.COUNT
        done = (item.current if counting else line.allocated) if quantity is None else quantity
        if done < 0 or (done > line.quantity and not counting):
            raise InvalidInput(
                {"quantity": [f"Confirm between 0 and {line.quantity:g} for line {number}."]}
            )
        self._move(Trigger.CONFIRM, now)
        if self.direction.removes_stock:
            if done > item.current:
                raise InvalidInput(
                    {"quantity": [f"Only {item.current:g} of {item.name} are in stock."]}
                )
            item.pick = max(item.pick - line.allocated, 0.0)
            item.current -= done
        elif self.direction.adds_stock:
            item.put = max(item.put - line.allocated, 0.0)
            item.current += done
        elif counting:
            item.current = done
        line.quantity_confirmed = done
        line.status = LineStatus.PROCESSED
        line.modified_at = now
        short = done < line.quantity and self.direction.removes_stock
        motive = MotiveType.SHORTAGE if short else None
        self._history(line, HISTORY_TYPES[self.direction], motive, now)
        self.record(
            LINE_PROCESSED,
            now,
            line={
                "id": line.id,
                "number": line.number,
                "materialName": line.material_name,
                "quantity": line.quantity,
                "quantityConfirmed": line.quantity_confirmed,
                "quantityDeviated": line.quantity_deviated,
            },
        )
        if not self.queued_lines():
            self._move(Trigger.FINISH, now)
        return line
