"""The console in a real browser (Debian's Chromium, driven by Playwright) on a real pickbay."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from pickbay.testing import Pickbay

WAIT_MS = 10_000
TIMES = "\N{MULTIPLICATION SIGN}"


def call(pickbay: Pickbay, path: str, body: Any, headers: dict[str, str]) -> Any:
    """A vendor API call over real HTTP."""
    req = urllib.request.Request(
        pickbay.url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def pickup_order(pickbay: Pickbay, number: str, quantity: int = 1) -> Any:
    return call(
        pickbay,
        "/api/v2/orders",
        {
            "orderNumber": number,
            "articles": [
                {"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": quantity}
            ],
        },
        {"x-api-key": pickbay.api_key},
    )


def order_id(pickbay: Pickbay, number: str) -> int:
    rows = pickbay.request("GET", "/orders")["orders"]
    return int(next(o["id"] for o in rows if o["number"] == number))


@pytest.fixture
def page(browser: Browser, pickbay: Pickbay) -> Iterator[Page]:
    """The console, signed in, on its board."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(WAIT_MS)
    page.goto(pickbay.console_url)
    page.fill("#signin-token", pickbay.admin_token)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    try:
        yield page
    finally:
        context.close()
    assert errors == []


def test_a_wrong_token_is_refused_at_sign_in(browser: Browser, pickbay: Pickbay) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(pickbay.console_url)
    page.fill("#signin-token", "wrong")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("That token was refused.")
    context.close()


def test_an_order_created_over_rest_appears_live_and_filters_narrow_the_board(
    page: Page, pickbay: Pickbay
) -> None:
    expect(page.locator("[data-testid=live]")).not_to_have_class("live off")
    pickup_order(pickbay, "LIVE-1")
    row = page.locator("tr[data-order]", has_text="LIVE-1")
    expect(row).to_contain_text("READYFORINPUT")
    expect(row).to_contain_text("Pickup Cloud")
    call(
        pickbay,
        "/api-gateway/sr-service/platform-srms/service-request",
        {
            "externalServiceRequestId": "GM-1",
            "type": "PICK",
            "serviceRequests": [
                {
                    "externalServiceRequestId": "l1",
                    "type": "PICK_LINE",
                    "expectations": {
                        "containers": [
                            {
                                "products": [
                                    {
                                        "productQuantity": 1,
                                        "productAttributes": {
                                            "filter_parameters": ["product_sku = 'MM00001'"]
                                        },
                                    }
                                ]
                            }
                        ]
                    },
                }
            ],
        },
        {"Authorization": f"Bearer {pickbay.greymatter_token}"},
    )
    expect(page.locator("tr[data-order]", has_text="GM-1")).to_contain_text("created")
    page.select_option("select[name=dialect]", "greymatter")
    expect(page.locator("tr[data-order]")).to_have_count(1)
    expect(page.locator("tr[data-order]")).to_contain_text("GM-1")
    pickup_order(pickbay, "LIVE-2")  # not shown: it does not match the filter
    pickbay.advance(1)  # the floor checks GM-1: the row changes state live
    expect(page.locator("tr[data-order]", has_text="GM-1")).to_contain_text("fulfillable")
    expect(page.locator("tr[data-order]")).to_have_count(1)


def test_inputting_and_picking_up_from_the_console_moves_the_order(
    page: Page, pickbay: Pickbay
) -> None:
    made = pickup_order(pickbay, "RX-1", quantity=2)
    page.goto(f"{pickbay.console_url}#/orders/{order_id(pickbay, 'RX-1')}")
    expect(page.locator("[data-testid=order-state]")).to_have_text("READYFORINPUT")
    for label in ("qr", "datamatrix"):
        image = page.locator(f"img[data-label={label}]")
        expect(image).to_have_attribute("src", re.compile("^blob:"))
        assert image.evaluate("img => img.naturalWidth") > 0
    page.get_by_role("button", name="Input one pack").click()
    expect(page.locator("[data-testid=lines] tr[data-line] td").nth(4)).to_have_text("1")
    expect(page.locator("[data-testid=lines] tr.pack")).to_have_count(1)
    page.get_by_role("button", name="Input all missing packs").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("READYFORPICKUP")
    history = page.locator("[data-testid=history] tbody tr")
    expect(history.last).to_contain_text("order.state_changed")
    expect(page.locator("[data-testid=lines] tr.pack")).to_have_count(2)
    expect(page.locator("[data-testid=lines] tr.pack").first).to_contain_text("stored")

    page.goto(f"{pickbay.console_url}#/machines")
    page.fill("input[name=pickupCode]", made["pickupCode"])
    page.press("input[name=pickupCode]", "Enter")
    expect(page.locator("[data-testid=machine-result]")).to_contain_text("PICKEDUP")
    expect(page.locator("[data-testid=machine-result]")).to_contain_text("2 pack(s) handed out")
    order = pickbay.request("GET", f"/pickup-cloud/orders/{made['pickupCode']}")
    assert order["state"] == "PICKEDUP"

    view = pickbay.request("GET", "/cluster")
    me = view["process"]
    row = page.locator(f"[data-testid=processes] tr[data-process='{me}']")
    expect(row).to_contain_text("(answering)")
    expect(row.locator("[data-testid=process-roles]")).to_have_text("scheduler, webhooks")
    holder = page.locator("[data-testid=roles] tr[data-role=webhooks] [data-testid=role-holder]")
    expect(holder).to_have_text(me[:8])
    expect(page.locator("[data-testid=backlog]")).to_contain_text("Timers:")


def test_the_clock_is_shown_paused_resumed_and_fast_forwarded(page: Page, pickbay: Pickbay) -> None:
    start = pickbay.now()
    shown = page.locator("[data-testid=clock-now]")
    expect(shown).to_have_text(start.strftime("%Y-%m-%d %H:%M:%S UTC"))
    expect(page.locator("[data-testid=clock-mode]")).to_have_text("paused")
    page.get_by_role("button", name="+1 h").click()
    later = start + timedelta(hours=1)
    expect(shown).to_have_text(later.strftime("%Y-%m-%d %H:%M:%S UTC"))
    assert pickbay.now() == later
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("[data-testid=clock-mode]")).to_have_text(f"running 1{TIMES}")
    page.select_option("#clock-speed", "60")
    expect(page.locator("[data-testid=clock-mode]")).to_have_text(f"running 60{TIMES}")
    assert pickbay.request("GET", "/clock")["speed"] == 60
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("[data-testid=clock-mode]")).to_have_text("paused")
    assert pickbay.request("GET", "/clock")["paused"] is True


def test_confirming_an_itempath_line_at_the_lift(page: Page, pickbay: Pickbay) -> None:
    login = call(
        pickbay,
        "/api/users/login",
        {"username": pickbay.itempath_user[0], "password": pickbay.itempath_user[1]},
        {},
    )
    made = call(
        pickbay,
        "/api/orders",
        {
            "name": "LIFT-1",
            "directionType": "Pick",
            "allocate": True,
            "order_lines": [{"materialName": "S101", "quantity": 2}],
        },
        {"Authorization": f"Bearer {login['accessToken']}"},
    )
    pickbay.advance(2)  # imported and allocated; the lift's own operator waits 5 s more
    page.goto(f"{pickbay.console_url}#/orders/{order_id(pickbay, 'LIFT-1')}")
    expect(page.locator("[data-testid=order-state]")).to_have_text("Is Allocated")
    line = page.locator("[data-testid=lines] tr[data-line]").first
    line.locator("input[name=quantity]").fill("1")
    line.get_by_role("button", name="Confirm").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("Processed")
    expect(line).to_contain_text("processed")
    del made


def test_picking_raising_an_exception_and_cancelling_on_the_floor(
    page: Page, pickbay: Pickbay
) -> None:
    def pick_request(number: str, eaches: int) -> Any:
        return call(
            pickbay,
            "/api-gateway/sr-service/platform-srms/service-request",
            {
                "externalServiceRequestId": number,
                "type": "PICK",
                "serviceRequests": [
                    {
                        "externalServiceRequestId": f"{number}-l1",
                        "type": "PICK_LINE",
                        "expectations": {
                            "containers": [
                                {
                                    "products": [
                                        {
                                            "productQuantity": eaches,
                                            "productAttributes": {
                                                "filter_parameters": ["product_sku = 'MM00001'"]
                                            },
                                        }
                                    ]
                                }
                            ]
                        },
                    }
                ],
            },
            {"Authorization": f"Bearer {pickbay.greymatter_token}"},
        )

    pick_request("SR-1", 3)
    pick_request("SR-2", 1)
    page.goto(f"{pickbay.console_url}#/orders/{order_id(pickbay, 'SR-1')}")
    page.get_by_role("button", name="Check inventory").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("fulfillable")
    page.get_by_role("button", name="Bring the rack").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("cancellation_locked")
    line = page.locator("[data-testid=lines] tr[data-line]").first
    line.locator("input[name=quantity]").fill("1")
    line.locator("select[name=exception]").select_option("physically_damaged")
    line.get_by_role("button", name="Exception").click()
    expect(page.locator("[data-testid=history]")).to_contain_text("service_request.information")
    line.locator("input[name=quantity]").fill("3")
    line.get_by_role("button", name="Pick").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("complete")

    page.goto(f"{pickbay.console_url}#/orders/{order_id(pickbay, 'SR-2')}")
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator("[data-testid=order-state]")).to_have_text("cancelled")


def test_a_fault_is_added_seen_firing_and_removed_on_the_machines_page(
    page: Page, pickbay: Pickbay
) -> None:
    page.goto(f"{pickbay.console_url}#/machines")
    expect(page.locator("[data-testid=faults]")).to_contain_text("No faults")
    page.select_option("select[name=faultVendor]", "pickup_cloud")
    page.select_option("select[name=faultKind]", "API answers 503")
    page.fill("input[name=faultSeconds]", "600")
    page.get_by_role("button", name="Add fault").click()
    row = page.locator("[data-testid=fault-list] tr[data-fault]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("answers 503")
    (fault,) = pickbay.request("GET", "/faults")["faults"]
    assert (fault["vendor"], fault["status"], fault["retryAfter"]) == ("pickup_cloud", 503, 30)
    with pytest.raises(urllib.error.HTTPError) as refused:
        pickup_order(pickbay, "FAULTED")
    refused.value.close()
    assert refused.value.code == 503
    expect(row.locator("[data-testid=fault-fired]")).to_have_text("1 of 1")  # refreshed
    row.get_by_role("button", name="Remove").click()
    expect(page.locator("[data-testid=faults]")).to_contain_text("No faults")
    assert pickbay.request("GET", "/faults") == {"faults": []}
    pickbay.request("POST", "/faults", {"vendor": "greymatter", "pick": "physically_damaged"})
    expect(row).to_contain_text("wrong pick: physically damaged, 1")  # made elsewhere
