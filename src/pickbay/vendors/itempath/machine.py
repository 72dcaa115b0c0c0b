"""The simulated Kardex lift module: its warehouse, its storage unit, its sandbox stock, and
the steps it takes on the clock (importing posted orders, confirming allocated lines)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.timers import TimerRequest
from pickbay.engine.clock import ClockService
from pickbay.engine.faults import Faults
from pickbay.engine.scheduler import Scheduler
from pickbay.store.timers import Timer
from pickbay.vendors.itempath import repository as repo
from pickbay.vendors.itempath.model import (
    IMPORT_STEP,
    NAME,
    PROCESS_STEP,
    LiftOrder,
    OrderStatus,
    Stock,
)

WAREHOUSE_ID = "6C5C8E1B-6A0F-4C39-9E8B-2F3D4A1B7C10"

_NAMESPACE = uuid.UUID("5b0c7f0e-1f47-4b8e-9a39-3d5c1f0a6e21")


def material_id(name: str) -> str:
    """A stable id for a sandbox material (the seed's S103 keeps the vendor example's id)."""
    if name == "S103":
        return "8E7EC42A-F2B2-4B64-BF71-750F006DEF8D"
    return str(uuid.uuid5(_NAMESPACE, name)).upper()


# Materials a fresh sandbox holds: (name, description, quantity on hand).
SANDBOX_MATERIALS: tuple[tuple[str, str, float], ...] = (
    ("S101", "Hex bolt M6x20", 500.0),
    ("S102", "Hex nut M6", 800.0),
    ("S103", "Ball valve 1/2 inch", 100.0),
    ("S104", "Pressure gauge 0-10 bar", 25.0),
    ("S105", "O-ring 20x2 NBR", 1000.0),
    ("S106", "Cable gland M20", 3.0),
    ("S107", "Proximity sensor M12", 0.0),
)


@dataclass(frozen=True)
class Timing:
    """How long the simulated lift takes, in virtual seconds, and whether it works alone."""

    import_seconds: float = 2.0
    line_seconds: float = 5.0
    auto_process: bool = True


async def order_stock(conn: AsyncConnection, order: LiftOrder) -> dict[str, Stock]:
    """The stock of every material on the order, locked for this transaction."""
    return await repo.lock_stock(conn, (line.material_id for line in order.lines))


class Lift:
    """The lift module: it imports a posted order, then its operator confirms one allocated
    line at a time, short where stock ran out."""

    def __init__(
        self,
        clock: ClockService,
        scheduler: Scheduler,
        timing: Timing,
        faults: Faults | None = None,
    ) -> None:
        self.clock = clock
        self.timing = timing
        self.faults = faults
        scheduler.register(IMPORT_STEP, self._on_import)
        scheduler.register(PROCESS_STEP, self._on_process)

    def plan_import(self, order: LiftOrder, now: datetime) -> None:
        """Have the lift import a new order."""
        order.timers.append(TimerRequest.after(now, self.timing.import_seconds, IMPORT_STEP))

    def plan_next_line(self, order: LiftOrder, now: datetime) -> None:
        """Have the simulated operator confirm the next line, if the order is allocated."""
        if self.timing.auto_process and order.is_allocated and order.queued_lines():
            order.timers.append(TimerRequest.after(now, self.timing.line_seconds, PROCESS_STEP))

    async def _on_import(self, conn: AsyncConnection, timer: Timer) -> None:
        order = None if timer.order_id is None else await repo.load_row(conn, timer.order_id)
        if order is None or order.status is not OrderStatus.QUEUED:
            return
        now = self.clock.now()
        stock = await order_stock(conn, order)
        order.import_(now, stock)
        self.plan_next_line(order, now)
        await repo.save_stock(conn, stock.values(), now)
        await repo.update_order(conn, order)

    async def _on_process(self, conn: AsyncConnection, timer: Timer) -> None:
        order = None if timer.order_id is None else await repo.load_row(conn, timer.order_id)
        if order is None or not order.is_allocated or not order.queued_lines():
            return
        now = self.clock.now()
        stock = await order_stock(conn, order)
        line = order.queued_lines()[0]
        on_hand = stock[line.material_id].current
        # Short of stock now (someone took it by hand): the operator confirms what is there.
        short = order.direction.removes_stock and on_hand < line.allocated
        quantity = on_hand if short else None
        if self.faults is not None and order.direction.removes_stock:
            fault = await self.faults.at_pick(conn, NAME, repo.TENANT, timer.order_id)
            if fault is not None:  # the operator picks short by the fault's quantity
                picked = line.allocated if quantity is None else quantity
                quantity = max(picked - (fault.pick_quantity or 1), 0.0)
        order.confirm(line.number, now, stock, quantity)
        self.plan_next_line(order, now)
        await repo.save_stock(conn, stock.values(), now)
        await repo.update_order(conn, order)
