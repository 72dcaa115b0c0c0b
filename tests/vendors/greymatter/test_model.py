"""The GreyMatter domain: the lifecycles, blocking and picking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pickbay.core.errors import InvalidTransition
from pickbay.vendors.greymatter.model import (
    PICK_LIFECYCLE,
    PUT_LIFECYCLE,
    Container,
    Line,
    RequestType,
    ServiceRequest,
    Slot,
    State,
    Trigger,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_cancel_and_modify_end_when_a_rack_reaches_a_station() -> None:
    for state in (State.CREATED, State.FULFILLABLE):
        assert PICK_LIFECYCLE.allows(state, Trigger.CANCEL)
        assert PICK_LIFECYCLE.allows(state, Trigger.MODIFY)
    for state in (State.CANCELLATION_LOCKED, State.PICK_STARTED, State.COMPLETE):
        assert not PICK_LIFECYCLE.allows(state, Trigger.CANCEL)
        assert not PICK_LIFECYCLE.allows(state, Trigger.MODIFY)
    with pytest.raises(InvalidTransition):
        PICK_LIFECYCLE.next(State.FULFILLABLE, Trigger.PICK)
    assert PUT_LIFECYCLE.next(State.COMPLETE, Trigger.RELEASE) is State.RELEASED


def _request(*quantities: int) -> ServiceRequest:
    lines = [
        Line(
            id=10 + n,
            external_id=f"L{n}",
            quantity=q,
            product_attributes={"filter_parameters": ["product_sku = 'S'"]},
            expectations=[Container(100 + n, [], NOW)],
            created_at=NOW,
            updated_at=NOW,
        )
        for n, q in enumerate(quantities)
    ]
    return ServiceRequest(1, "R", RequestType.PICK, lines, None, NOW, NOW, NOW)


def test_lines_sharing_stock_block_it_once_and_all_or_nothing() -> None:
    slot = Slot(1, {"product_sku": "S"}, quantity=10)
    sr = _request(6, 5)
    assert not sr.block(NOW, {10: [slot], 11: [slot]})
    assert (sr.state, slot.blocked) == (State.NOT_FULFILLABLE, 0)

    other = Slot(2, {"product_sku": "S"}, quantity=3)
    sr = _request(6, 5)
    assert sr.block(NOW, {10: [slot, other], 11: [slot, other]})
    assert (slot.blocked, other.blocked) == (10, 1)
    assert sr.lines[1].blocks == [[1, 4], [2, 1]]


def test_picks_take_whole_subpacks_then_items_and_finish_the_request() -> None:
    slot = Slot(1, {"product_sku": "S"}, quantity=100, subpack=20)
    sr = _request(45)
    sr.block(NOW, {10: [slot]})
    sr.reach(NOW, 4, 2)
    ids = iter(range(1000, 1100))
    line = sr.lines[0]
    assert sr.pick(line, NOW, {1: slot}, ids, 45) == 40
    assert sr.state is State.PICK_STARTED
    assert sr.pick(line, NOW, {1: slot}, ids, 45) == 5
    assert sr.state is State.COMPLETE
    assert (slot.quantity, slot.blocked) == (55, 0)
    kinds = [e.type for e in sr.events]
    assert kinds[-1] == "bin.complete"
    assert sr.events[-1].payload["notification"]["notification_data"]["ppsBinId"] == "2"
