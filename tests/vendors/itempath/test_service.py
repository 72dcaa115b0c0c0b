"""ItemPath's service without HTTP: orders on the simulated lift, on both databases."""

from __future__ import annotations

import pytest

from pickbay.core.errors import Conflict, NotFound
from pickbay.runtime import Runtime
from pickbay.vendors.itempath.model import Direction, OrderStatus
from pickbay.vendors.itempath.service import ItemPathService, NewLiftOrder, NewLine, OrderChanges


def pick(name: str, material: str, quantity: float) -> NewLiftOrder:
    return NewLiftOrder(
        name=name,
        direction=Direction.PICK,
        lines=[NewLine(quantity, material_name=material)],
        allocate=True,
    )


async def on_hand(lift: ItemPathService, material: str) -> float:
    return float((await lift.get_material(material))["current_quantity"])


async def test_the_lift_imports_allocates_and_confirms_a_pick(runtime: Runtime) -> None:
    lift = runtime.service(ItemPathService)
    before = await on_hand(lift, "S103")
    made = await lift.create(pick("PICK-1", "S103", 5))
    assert made.status is OrderStatus.QUEUED
    await runtime.scheduler.advance(2)
    assert (await lift.get(made.id)).status is OrderStatus.ALLOCATED
    await runtime.scheduler.advance(5)
    done = await lift.get(made.id)
    assert done.status is OrderStatus.PROCESSED
    assert [x.quantity_confirmed for x in done.lines] == [5.0]
    assert await on_hand(lift, "S103") == before - 5


async def test_a_pick_short_of_stock_is_confirmed_short(runtime: Runtime) -> None:
    lift = runtime.service(ItemPathService)
    made = await lift.create(pick("SHORT-1", "S106", 5))  # 3 on hand
    await runtime.scheduler.advance(2)
    assert [x.allocated for x in (await lift.get(made.id)).lines] == [3.0]
    await runtime.scheduler.advance(5)
    done = await lift.get(made.id)
    assert done.status is OrderStatus.PROCESSED
    assert [(x.quantity_confirmed, x.quantity_deviated) for x in done.lines] == [(3.0, 2.0)]
    assert await on_hand(lift, "S106") == 0


async def test_names_are_unique_and_unknown_orders_are_not_found(runtime: Runtime) -> None:
    lift = runtime.service(ItemPathService)
    await lift.create(pick("DUP", "S101", 1))
    with pytest.raises(Conflict):
        await lift.create(pick("DUP", "S101", 1))
    with pytest.raises(NotFound):
        await lift.update("NO-SUCH-ID", OrderChanges(priority=1))
