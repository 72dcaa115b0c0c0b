"""The GreyMatter domain: the filter grammar, the lifecycles, blocking and picking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pickbay.core.errors import InvalidTransition
from pickbay.vendors.greymatter.model import (
    PICK_LIFECYCLE,
    PUT_LIFECYCLE,
    Container,
    Filter,
    Line,
    RequestType,
    ServiceRequest,
    Slot,
    State,
    Trigger,
    matches,
    parse_filter,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("product_sku = 'SKU12345'", Filter("product_sku", ("SKU12345",))),
        ("product_sku='A B'", Filter("product_sku", ("A B",))),
        ("  client_id   =   'C1'  ", Filter("client_id", ("C1",))),
        ("name = 'O\\'Brien'", Filter("name", ("O'Brien",))),
        ("lot_id in ['a', 'b','c']", Filter("lot_id", ("a", "b", "c"))),
        (
            "lot_id in ['e82b3734-8dee-48a8-af72-e6c0abcc6eec',\n"
            "                    '6f6dd87f-d0f5-49de-bd4e-94dd58e8d682']",
            Filter(
                "lot_id",
                ("e82b3734-8dee-48a8-af72-e6c0abcc6eec", "6f6dd87f-d0f5-49de-bd4e-94dd58e8d682"),
            ),
        ),
        ("sku in ['only']", Filter("sku", ("only",))),
        ("sku = ''", Filter("sku", ("",))),
    ],
)
def test_filters_parse(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "product_sku",
        "product_sku = SKU1",
        "product_sku == 'a'",
        "product_sku != 'a'",
        "product_sku = 'a' 'b'",
        'product_sku = "a"',
        "lot in 'a'",
        "lot in []",
        "lot in ['a' 'b']",
        "lot in ['a',]",
        "lot in ['a', b]",
        "= 'a'",
        "1sku = 'a'",
    ],
)
def test_malformed_filters_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_filter(text)


def test_every_filter_must_match() -> None:
    product = {"product_sku": "S1", "client_id": "C1"}
    assert matches([Filter("product_sku", ("S1",)), Filter("client_id", ("C0", "C1"))], product)
    assert not matches([Filter("product_sku", ("S1",)), Filter("client_id", ("C2",))], product)
    assert not matches([Filter("lot_id", ("L",))], product)


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
