"""ItemPath's service without HTTP: orders on the simulated lift, on both databases."""

from __future__ import annotations

import pytest

from pickbay.core.errors import Conflict, NotFound
from pickbay.runtime import Runtime
from pickbay.vendors.itempath.http.query import (
    MAX_OFFSET,
    MAX_PATTERN,
    MAX_VALUES,
    ORDER_FIELDS,
    parse_list,
)
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


async def test_lists_at_the_documented_limits_run_on_each_database(runtime: Runtime) -> None:
    lift = runtime.service(ItemPathService)
    await lift.create(
        NewLiftOrder(
            name="n7",
            direction=Direction.PICK,
            lines=[NewLine(1, material_name="S101")],
            dynamic={"Colour": "c7"},
        )
    )
    now = runtime.clock.now()
    many = ";".join(f"n{i}" for i in range(MAX_VALUES))
    colours = ";".join(f"c{i}" for i in range(MAX_VALUES))
    for params, found in (
        ([("name", f"[or]{many}")], 1),
        ([("name", f"[nor]{many}")], 0),
        ([("Colour", f"[or]{colours}")], 1),
        ([("name", "[like]" + "n" * MAX_PATTERN)], 0),
        ([("Colour", "[notlike]" + "c" * MAX_PATTERN)], 1),
        ([("offset", str(MAX_OFFSET))], 0),
    ):
        query = await parse_list(params, ORDER_FIELDS, now, dynamic=lift.known_dynamic_field)
        assert len(await lift.list_orders(query)) == found, params
        assert await lift.count_orders(query) == (1 if params[0][0] == "offset" else found)
