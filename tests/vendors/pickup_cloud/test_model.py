from datetime import timedelta
from typing import Any

import pytest

from pickbay.core.errors import InvalidInput, InvalidTransition
from pickbay.vendors.pickup_cloud.demo_script import parse_demo_script
from pickbay.vendors.pickup_cloud.model import (
    ARTICLE_STATE_CHANGED,
    ORDER_STATE_CHANGED,
    ORDER_UPDATED,
    Article,
    OrderKind,
    Pack,
    PickupOrder,
    PickupState,
    Policy,
    derive_order_state,
)
from tests.conftest import T0

S = PickupState
POLICY = Policy(preparation_days=1, pickup_expiry_days=14)


def pack(order: PickupOrder, article: Article, n: int) -> Pack:
    return {"internalId": n, "batchNumber": f"B{n}"}


def out(p: Pack) -> Pack:
    return {"outputPoint": 1}


def one_time(*articles: tuple[str, int], notes: str | None = None) -> PickupOrder:
    return PickupOrder.create(
        tenant="t",
        kind=OrderKind.ONE_TIME,
        order_number="N1",
        pickup_code="customer_X",
        storage_code="pickup_Y",
        now=T0,
        policy=POLICY,
        articles=[(scan, f"name {scan}", qty, None) for scan, qty in articles],
        script=parse_demo_script(notes, schedule_stage=False),
    )


def recurrent(interval: int = 10, days: int = 25) -> PickupOrder:
    return PickupOrder.create(
        tenant="t",
        kind=OrderKind.RECURRENT,
        order_number="R1",
        pickup_code="customer_R",
        storage_code="pickup_R",
        now=T0,
        policy=POLICY,
        articles=[("A", "a", 1, interval)],
        start_date=T0 + timedelta(days=5),
        end_date=T0 + timedelta(days=days),
    )


def order_states(order: PickupOrder) -> list[Any]:
    return [e.payload["orderState"] for e in order.events if e.type == ORDER_STATE_CHANGED]


def test_one_time_lifecycle_records_every_change() -> None:
    order = one_time(("A", 2), ("B", 1))
    assert order.state is S.READYFORINPUT
    assert [e.type for e in order.events] == [ORDER_STATE_CHANGED] + [ARTICLE_STATE_CHANGED] * 2
    order.events.clear()

    later = T0 + timedelta(minutes=1)
    order.input_pack("A", {"batchNumber": "b1"}, later, POLICY)
    assert order.articles[0].state is S.READYFORINPUT
    assert order.first_input_at == later
    first = order.events[-1].payload
    assert first["pack"] == {"batchNumber": "b1", "scanCode": "A"}
    assert first["article"]["orderArticleState"] == "READYFORINPUT"

    order.input_pack("A", {}, later, POLICY)
    assert order.articles[0].state is S.READYFORPICKUP
    assert order.state is S.READYFORINPUT
    order.input_pack("B", {}, later, POLICY)
    assert order.state is S.READYFORPICKUP
    assert order_states(order) == ["READYFORPICKUP"]
    expiry = [t for t in order.timers if t.kind.step == "expire"]
    assert [t.at for t in expiry] == [later + timedelta(days=14)]

    picked = order.pick_up(later, out, POLICY)
    assert len(picked) == 3
    assert all(p["outputPoint"] == 1 for p in picked)
    assert order.state is S.PICKEDUP
    assert order.picked_up_at == later
    with pytest.raises(InvalidTransition):
        order.cancel(later)


def test_input_rejects_unknown_articles_and_full_ones() -> None:
    order = one_time(("A", 1))
    with pytest.raises(InvalidInput):
        order.input_pack("Z", {}, T0, POLICY)
    order.input_pack("A", {}, T0, POLICY)
    with pytest.raises(InvalidTransition):
        order.input_pack("A", {}, T0, POLICY)


def test_pickup_needs_every_article_stored() -> None:
    order = one_time(("A", 1), ("B", 1))
    order.input_pack("A", {}, T0, POLICY)
    with pytest.raises(InvalidTransition, match="not READYFORPICKUP"):
        order.pick_up(T0, out, POLICY)


def test_cancel_records_reason_and_date() -> None:
    order = one_time(("A", 1))
    order.cancel(T0, "customer moved")
    assert order.state is S.CANCELED
    assert order.cancellation_reason == "customer moved"
    assert order.canceled_at == T0
    with pytest.raises(InvalidTransition):
        order.cancel(T0)


def test_script_becomes_timers_relative_to_creation() -> None:
    order = one_time(("A", 1), notes="$pickup-015-030")
    assert [(t.at - T0, t.data["step"]) for t in order.timers] == [
        (timedelta(seconds=15), "input"),
        (timedelta(seconds=30), "pickup"),
    ]


def test_overdue_is_a_flag_with_its_own_event() -> None:
    order = one_time(("A", 1))
    assert order.mark_overdue(T0)
    assert order.is_overdue
    assert order.state is S.READYFORINPUT
    assert order.events[-1].type == ORDER_UPDATED
    assert not order.mark_overdue(T0)


def test_recurrent_order_iterates_until_end_date() -> None:
    order = recurrent(interval=10, days=25)
    article = order.articles[0]
    assert order.state is S.SCHEDULED
    assert article.due_date == T0 + timedelta(days=5)
    assert order.events[0].payload["orderStateChangedDate"] is None
    prepare = [t for t in order.timers if t.kind.step == "prepare"]
    assert [t.at for t in prepare] == [T0 + timedelta(days=4)]

    iterations = 0
    while True:
        now = article.due_date - timedelta(days=1)  # type: ignore[operator]
        order.timers.clear()
        order.prepare(now, 0, article.iteration)
        assert order.state is S.READYFORINPUT
        order.input_pack("A", {}, now, POLICY)
        order.pick_up(now, out, POLICY)
        iterations += 1
        if order.state is S.PICKEDUP:
            break
        assert order.state is S.SCHEDULED
        assert [t.kind.step for t in order.timers] == ["prepare", "due", "expire"]
    # due on day 5, 15, 25 after T0: the end date is inclusive
    assert iterations == 3
    assert len(article.picked_up) == 3


def test_recurrent_due_flags_overdue_only_for_the_current_iteration() -> None:
    order = recurrent()
    assert not order.on_due(T0, 0, 1)
    assert order.on_due(T0, 0, 0)
    assert order.is_overdue


def test_expire_cancels_an_uncollected_order() -> None:
    order = one_time(("A", 1))
    assert not order.expire(T0, None, None)
    order.input_pack("A", {}, T0, POLICY)
    assert order.expire(T0 + timedelta(days=14), None, None)
    assert order.state is S.CANCELED
    assert order.cancellation_reason == "Expired"


def test_order_state_is_the_least_advanced_open_article() -> None:
    assert derive_order_state([S.READYFORPICKUP, S.READYFORINPUT]) is S.READYFORINPUT
    assert derive_order_state([S.PICKEDUP, S.SCHEDULED]) is S.SCHEDULED
    assert derive_order_state([S.CANCELED, S.PICKEDUP]) is S.PICKEDUP
    assert derive_order_state([S.CANCELED]) is S.CANCELED
    with pytest.raises(ValueError, match="at least one"):
        derive_order_state([])
