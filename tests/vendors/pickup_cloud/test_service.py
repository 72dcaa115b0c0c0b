"""Pickup Cloud's service without HTTP: commands and the robot's steps, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pickbay.core.errors import Conflict, NotFound
from pickbay.engine.tenancy import Caller
from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from pickbay.vendors.pickup_cloud.model import OrderKind, PickupState
from pickbay.vendors.pickup_cloud.service import (
    NewArticle,
    NewPickupOrder,
    PackInput,
    PickupCloudService,
)
from tests.conftest import T0

DEV = Caller("dev")


def one_time(number: str, notes: str | None = None, quantity: int = 2) -> NewPickupOrder:
    return NewPickupOrder(
        kind=OrderKind.ONE_TIME,
        order_number=number,
        articles=[NewArticle("5948912001188", "Aspirin", quantity)],
        related_notes=notes,
    )


async def logged(rt: Runtime) -> int:
    async with rt.db.read() as conn:
        return len(await event_log.read(conn, limit=10_000))


async def test_a_taken_number_is_a_conflict_and_changes_nothing(runtime: Runtime) -> None:
    orders = runtime.service(PickupCloudService)
    await orders.create("dev", one_time("N-1"))
    before = await logged(runtime)
    with pytest.raises(Conflict, match="N-1"):
        await orders.create("dev", one_time("N-1"))
    assert await logged(runtime) == before
    other = await orders.create("other", one_time("N-1"))  # numbers are per tenant
    assert other.tenant == "other"


async def test_a_demo_script_runs_on_the_clock_at_its_planned_times(runtime: Runtime) -> None:
    orders = runtime.service(PickupCloudService)
    await orders.create("dev", one_time("S-1", "$pickup-010-030"))
    await runtime.scheduler.advance(10)
    stored = await orders.get_by_number(DEV, "S-1")
    assert stored.state is PickupState.READYFORPICKUP
    assert stored.first_input_at == T0 + timedelta(seconds=10)
    assert all(len(a.packs) == a.quantity for a in stored.articles)
    await runtime.scheduler.advance(20)
    done = await orders.get_by_number(DEV, "S-1")
    assert done.state is PickupState.PICKEDUP
    assert done.picked_up_at == T0 + timedelta(seconds=30)


async def test_the_operator_inputs_packs_and_the_customer_picks_them_up(
    runtime: Runtime,
) -> None:
    orders = runtime.service(PickupCloudService)
    made = await orders.create("dev", one_time("P-1", quantity=2))
    one = await orders.input_packs(
        made.storage_code, [PackInput("5948912001188", {"batchNumber": "B-7"})]
    )
    assert one.state is PickupState.READYFORINPUT
    assert one.articles[0].packs[0]["batchNumber"] == "B-7"
    full = await orders.input_packs(made.storage_code, None)
    assert full.state is PickupState.READYFORPICKUP
    done, packs = await orders.pick_up(made.pickup_code)
    assert done.state is PickupState.PICKEDUP
    assert len(packs) == 2
    with pytest.raises(NotFound):
        await orders.input_packs("pickup_NOSUCHCODE", None)


async def test_a_tenant_sees_only_its_own_orders_and_cancels_them(runtime: Runtime) -> None:
    orders = runtime.service(PickupCloudService)
    made = await orders.create("dev", one_time("C-1"))
    with pytest.raises(NotFound):
        await orders.get_by_pickup_code("other", made.pickup_code)
    with pytest.raises(NotFound):
        await orders.cancel(Caller("other"), "C-1", "not mine")
    canceled = await orders.cancel(DEV, "C-1", "changed my mind")
    assert canceled.state is PickupState.CANCELED
    assert canceled.cancellation_reason == "changed my mind"


def on_behalf_of(number: str, origin: str, origin_number: str) -> NewPickupOrder:
    return NewPickupOrder(
        kind=OrderKind.ON_BEHALF_OF,
        order_number=number,
        articles=[NewArticle("5948912001188", "Aspirin", 1)],
        origin=origin,
        origin_order_number=origin_number,
    )


async def test_an_origin_is_a_client_inside_the_tenant(runtime: Runtime) -> None:
    orders = runtime.service(PickupCloudService)
    made = await orders.create("pis", on_behalf_of("PIS-1", "shop", "W-1"))
    shop = Caller("pis", origin="shop")
    assert (await orders.get_by_number(shop, "W-1")).row_id == made.row_id
    assert (await orders.get_by_number(shop, "PIS-1")).row_id == made.row_id  # the tenant's too
    for outsider in (Caller("shop"), Caller("shop", origin="shop"), Caller("pis", origin="x")):
        with pytest.raises(NotFound):
            await orders.get_by_number(outsider, "W-1")
    with pytest.raises(NotFound):
        await orders.get_by_pickup_code("shop", made.pickup_code)
    with pytest.raises(Conflict, match="W-1"):
        await orders.create("pis", on_behalf_of("PIS-2", "shop", "W-1"))
    # the same origin and number in another tenant, or for another origin, are apart
    await orders.create("other", on_behalf_of("PIS-1", "shop", "W-1"))
    await orders.create("pis", on_behalf_of("PIS-3", "kiosk", "W-1"))
    await orders.create("shop", one_time("W-1"))
    assert (await orders.get_by_number(shop, "W-1")).row_id == made.row_id
    canceled = await orders.cancel(shop, "W-1", "the shop cancels")
    assert canceled.row_id == made.row_id
    assert canceled.state is PickupState.CANCELED
