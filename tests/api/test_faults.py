"""Faults on purpose through pickbay's own API: each vendor answers the fault in its format."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from tests.vendors.greymatter.http.test_routes import pick
from tests.webhooks.receiver import Receiver

ORDER = {"orderNumber": "F-1", "articles": [{"scanCode": "1", "quantityOrdered": 1}]}
KEY = {"x-api-key": "dev"}
SR = "/api-gateway/sr-service/platform-srms/service-request"
GM = {"Authorization": "Bearer dev"}


async def inject(client: httpx.AsyncClient, admin: dict[str, str], **spec: Any) -> dict[str, Any]:
    r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def order(client: httpx.AsyncClient, number: str, key: str = "dev") -> httpx.Response:
    return await client.post(
        "/api/v2/orders", json={**ORDER, "orderNumber": number}, headers={"x-api-key": key}
    )


async def test_the_next_two_creates_fail_in_pickup_clouds_format_then_it_is_over(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    fault = await inject(
        client,
        admin,
        vendor="pickup_cloud",
        method="POST",
        path="/api/v2/orders",
        status=503,
        retryAfter=30,
        count=2,
    )
    assert (fault["remaining"], fault["matched"], fault["fired"]) == (2, 0, 0)
    for n in (1, 2):
        r = await order(client, f"F-{n}")
        assert r.status_code == 503
        assert r.headers["retry-after"] == "30"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Service Unavailable"
        assert f"fault {fault['id']}" in r.json()["detail"]
    assert (await order(client, "F-3")).status_code == 200
    r = await client.get("/api/v2/orders/by-ordernumber/F-1", headers=KEY)
    assert r.status_code == 404  # the refused create stored nothing
    shown = (await client.get(f"/pickbay/v1/faults/{fault['id']}", headers=admin)).json()
    assert (shown["remaining"], shown["matched"], shown["fired"]) == (0, 2, 2)
    async with app_runtime.db.read() as conn:
        fired = [e for e in await event_log.read(conn) if e.type == "fault.fired"]
    assert [(e.dialect, e.tenant, e.payload["match"]) for e in fired] == [
        ("pickup_cloud", "dev", 1),
        ("pickup_cloud", "dev", 2),
    ]


async def test_a_fault_on_one_tenant_changes_nothing_another_observes(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    other = await app_runtime.tenancy.create_key("other")
    await inject(client, admin, tenant="other", status=500)
    assert (await order(client, "T-1")).status_code == 200
    r = await order(client, "T-1", key=other)
    assert r.status_code == 500
    assert r.json()["title"] == "Internal Server Error"
    assert (await client.get("/api/v2/orders", headers=KEY)).status_code == 200


async def test_each_vendor_answers_in_its_own_format(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await inject(client, admin, vendor="itempath", path="/api/orders*", status=503)
    await inject(client, admin, vendor="greymatter", status=429, retryAfter=5)
    login = {"username": "admin", "password": "admin"}
    token = (await client.post("/api/users/login", json=login)).json()["accessToken"]
    r = await client.get("/api/orders", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503
    assert r.json() == {
        "errors": [{"request": {"message": r.json()["errors"][0]["request"]["message"]}}]
    }
    r = await client.get(
        "/api-gateway/sr-service/platform-srms/service-request/1",
        headers={"Authorization": "Bearer dev"},
    )
    assert r.status_code == 429
    assert r.headers["retry-after"] == "5"
    assert r.json()["error"] == "Too Many Requests"
    assert r.json()["status"] == 429
    # pickbay's own API is never faulted: faults can always be cleared.
    assert (await client.delete("/pickbay/v1/faults", headers=admin)).json() == {"deleted": 2}
    assert (
        await client.get("/api/orders", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200


async def test_an_expired_token_fault_is_a_401_the_vendors_way(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await inject(client, admin, vendor="itempath", path="/api/orders", status=401, count=1)
    login = {"username": "admin", "password": "admin"}
    token = (await client.post("/api/users/login", json=login)).json()["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    r = await client.get("/api/orders", headers=auth)
    assert r.status_code == 401
    assert list(r.json()) == ["msg"]  # Flask-JWT-Extended's body, as a real refusal
    assert (await client.get("/api/orders", headers=auth)).status_code == 200


async def test_a_window_on_the_sandbox_clock(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await inject(
        client, admin, vendor="pickup_cloud", status=500, at="2030-01-15T10:00:00Z", seconds=60
    )
    assert (await order(client, "W-1")).status_code == 200  # 09:00: not yet
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 3600}, headers=admin)
    assert (await order(client, "W-2")).status_code == 500
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 60}, headers=admin)
    assert (await order(client, "W-3")).status_code == 200  # over


async def test_a_seeded_probability_fires_the_same_requests_every_run(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    runs = []
    for _ in range(2):
        await inject(
            client, admin, vendor="pickup_cloud", method="GET", status=503, probability=0.5, seed=42
        )
        runs.append(
            [(await client.get("/api/v2/orders", headers=KEY)).status_code for _ in range(20)]
        )
        await client.delete("/pickbay/v1/faults", headers=admin)
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}


async def test_a_delay_holds_the_answer(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await inject(client, admin, vendor="pickup_cloud", method="GET", delayMs=150, count=1)
    started = time.monotonic()
    r = await client.get("/api/v2/orders", headers=KEY)
    assert r.status_code == 200
    assert time.monotonic() - started >= 0.15  # a lower bound: the answer came late


async def test_bad_faults_are_refused_and_unknown_ones_are_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for spec in (
        {},
        {"status": 200},
        {"status": 499},
        {"delayMs": 0},
        {"delayMs": 10**9, "status": 500},
        {"status": 500, "vendor": "acme"},
        {"status": 500, "probability": 0},
        {"retryAfter": 5, "delayMs": 10},
        {"status": 500, "count": 0},
        {"status": 500, "extra": 1},
        {"status": 500, "method": "get"},
    ):
        r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
        assert r.status_code == 400, spec
    assert (await client.get("/pickbay/v1/faults", headers=admin)).json() == {"faults": []}
    assert (await client.get("/pickbay/v1/faults/9", headers=admin)).status_code == 404
    assert (await client.delete("/pickbay/v1/faults/9", headers=admin)).status_code == 404
    assert (await client.post("/pickbay/v1/faults", json={"status": 500})).status_code == 401


async def test_a_robot_outage_holds_its_steps_then_they_run_in_order(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    outage = await inject(
        client, admin, vendor="pickup_cloud", offline=True, at="2030-01-15T09:00:05Z", seconds=60
    )
    assert outage["offline"] is True
    made = await client.post(
        "/api/v2/orders",
        json={**ORDER, "orderNumber": "O-1", "relatedNotes": "$pickup-010-030"},
        headers=KEY,
    )
    assert made.status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 40}, headers=admin)
    shown = (await client.get("/api/v2/orders/by-ordernumber/O-1", headers=KEY)).json()
    assert (shown["state"], shown["firstInputDate"]) == ("READYFORINPUT", None)  # stalled
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 30}, headers=admin)
    shown = (await client.get("/api/v2/orders/by-ordernumber/O-1", headers=KEY)).json()
    # Back at 09:01:05: the input, then the pickup, in their order, at once.
    assert shown["state"] == "PICKEDUP"
    assert shown["firstInputDate"] == "2030-01-15T09:01:05.0000000+00:00"
    assert shown["pickedUpDate"] == "2030-01-15T09:01:05.0000000+00:00"
    async with app_runtime.db.read() as conn:
        held = [e for e in await event_log.read(conn) if e.type == "fault.fired"]
    assert [(e.tenant, e.payload["step"], e.payload["until"]) for e in held] == [
        ("dev", "pickup_cloud.script", "2030-01-15T09:01:05+00:00"),
        ("dev", "pickup_cloud.script", "2030-01-15T09:01:05+00:00"),
    ]
    shown_fault = (await client.get(f"/pickbay/v1/faults/{outage['id']}", headers=admin)).json()
    assert shown_fault["fired"] == 2


async def test_removing_an_outage_ends_it_now(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    outage = await inject(client, admin, vendor="itempath", offline=True, seconds=3600)
    login = {"username": "admin", "password": "admin"}
    token = (await client.post("/api/users/login", json=login)).json()["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    line = {"materialName": "S101", "quantity": 1}
    body = {"name": "HELD", "allocate": True, "order_lines": [line]}
    made = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 600}, headers=admin)
    url = f"/api/orders/{made['id']}"
    assert (await client.get(url, headers=auth)).json()["order"]["status"] == "queued"
    r = await client.delete(f"/pickbay/v1/faults/{outage['id']}", headers=admin)
    assert r.status_code == 204
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 5}, headers=admin)
    order = (await client.get(url, headers=auth)).json()["order"]
    assert order["status"] == "Processed"  # imported at once (09:10), its line 5 s later


async def test_an_outage_stops_the_racks_not_the_inventory_check(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await inject(client, admin, vendor="greymatter", offline=True, seconds=120)
    line = ("G-1_1", 1, "product_sku = 'MM00001'")
    made = await client.post(SR, json=pick("G-1", line), headers=GM)
    assert made.status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 60}, headers=admin)
    shown = await client.get(f"{SR}/{made.json()['id']}", headers=GM)
    assert shown.json()["state"] == "fulfillable"  # checked; no rack reached its station
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 100}, headers=admin)
    shown = await client.get(f"{SR}/{made.json()['id']}", headers=GM)
    assert shown.json()["state"] == "complete"


async def test_a_bad_outage_or_drop_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for spec in (
        {"drop": True},
        {"drop": True, "vendor": "itempath"},
        {"drop": True, "vendor": "pickup_cloud", "seconds": 60},
        {"drop": True, "vendor": "pickup_cloud", "status": 503},
        {"drop": True, "vendor": "pickup_cloud", "offline": True},
        {"offline": True, "vendor": "itempath"},
        {"offline": True, "seconds": 60},
        {"offline": True, "vendor": "itempath", "seconds": 60, "status": 503},
        {"offline": True, "vendor": "itempath", "seconds": 60, "tenant": "dev"},
        {"offline": True, "vendor": "itempath", "seconds": 60, "path": "/api/*"},
        {"offline": True, "vendor": "itempath", "seconds": 60, "probability": 0.5},
    ):
        r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
        assert r.status_code == 400, spec


async def notified(client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver) -> None:
    r = await client.post("/pickbay/v1/webhooks", json={"url": receiver.url}, headers=admin)
    assert r.status_code == 201


async def test_a_duplicate_notification_comes_twice_with_one_id(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver
) -> None:
    await notified(client, admin, receiver)
    await inject(client, admin, vendor="greymatter", webhook="duplicate", count=1)
    r = await client.post(SR, json=pick("D-1", ("D-1_1", 1, "product_sku = 'MM00001'")), headers=GM)
    assert r.status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 1}, headers=admin)
    first, second = await receiver.wait_for(2)
    assert first == second  # the same notification, notification_id included
    assert first["notification_data"]["state"] == "fulfillable"


async def test_a_late_notification_is_overtaken_by_another_requests(
    client: httpx.AsyncClient, admin: dict[str, str], receiver: Receiver
) -> None:
    await notified(client, admin, receiver)
    await inject(client, admin, vendor="greymatter", webhook="late", lateSeconds=60, count=1)
    for name in ("LATE", "ON-TIME"):
        line = (f"{name}_1", 1, "product_sku = '2001'")
        assert (await client.post(SR, json=pick(name, line), headers=GM)).status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 1}, headers=admin)
    (early,) = await receiver.wait_for(1)
    assert early["notification_data"]["externalServiceRequestId"] == "ON-TIME"
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 60}, headers=admin)
    async with asyncio.timeout(15):
        while not [
            n
            for n in receiver.received
            if n["notification_data"].get("externalServiceRequestId") == "LATE"
        ]:
            await receiver.wait_for(len(receiver.received) + 1)
    late = [
        n["notification_data"]["state"]
        for n in receiver.received
        if n["notification_data"].get("externalServiceRequestId") == "LATE"
    ]
    assert late[0] == "fulfillable"  # its later news waited behind it, in order


async def test_a_bad_webhook_fault_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for spec in (
        {"webhook": "late"},
        {"lateSeconds": 5},
        {"webhook": "duplicate", "lateSeconds": 5},
        {"webhook": "twice"},
        {"webhook": "duplicate", "vendor": "itempath"},
        {"webhook": "duplicate", "status": 500},
        {"webhook": "duplicate", "drop": True, "vendor": "pickup_cloud"},
    ):
        r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
        assert r.status_code == 400, spec


async def test_a_pick_fault_makes_the_greymatter_operator_find_an_item_damaged(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    fault = await inject(
        client, admin, vendor="greymatter", pick="physically_damaged", quantity=1, count=1
    )
    made = await client.post(SR, json=pick("D-1", ("D-1_1", 2, "product_sku = '2001'")), headers=GM)
    assert made.status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 120}, headers=admin)
    shown = await client.get(f"{SR}/{made.json()['id']}", headers=GM)
    assert shown.json()["state"] == "complete"  # picked in full from the rest of the stock
    async with app_runtime.db.read() as conn:
        logged = await event_log.read(conn, since=0, limit=1000)
    (fired,) = [e for e in logged if e.type == "fault.fired"]
    assert fired.payload["pick"] == "physically_damaged"
    assert fired.payload["quantity"] == 1
    actuals = [
        c
        for e in logged
        if e.type == "service_request.information"
        for c in e.payload["notification"]["notification_data"]["actuals"]["containers"]
    ]
    assert {c["state"] for c in actuals} >= {"physically_damaged"}
    counts = (await client.get(f"/pickbay/v1/faults/{fault['id']}", headers=admin)).json()
    assert (counts["matched"], counts["fired"], counts["remaining"]) == (1, 1, 0)
    assert counts["pick"] == "physically_damaged"


async def test_a_pick_fault_makes_the_itempath_operator_pick_short(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await inject(client, admin, vendor="itempath", pick="short", quantity=2, count=1)
    login = await client.post("/api/users/login", json={"username": "admin", "password": "admin"})
    auth = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    lines = [{"materialName": "S101", "quantity": 5}]
    for name in ("SHORT-1", "FULL-2"):
        body = {"name": name, "directionType": "Pick", "allocate": True, "order_lines": lines}
        assert (await client.post("/api/orders", json=body, headers=auth)).status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 60}, headers=admin)
    got = await client.get("/api/order_lines?orderBy=modifiedDate", headers=auth)
    picked = [(x["quantityConfirmed"], x["quantityDeviated"]) for x in got.json()["order_lines"]]
    assert picked == [(3, 2), (5, 0)]  # the fault's one pick, then the operator is right again
    short = await client.get("/api/transactions?motiveType=2&countOnly=true", headers=auth)
    assert short.json() == {"count": 1}


async def test_a_bad_pick_fault_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for spec in (
        {"pick": "short"},
        {"vendor": "pickup_cloud", "pick": "short"},
        {"vendor": "itempath", "pick": "physically_damaged"},
        {"vendor": "greymatter", "pick": "unscannable", "status": 503},
        {"vendor": "greymatter", "pick": "unscannable", "offline": True, "seconds": 9},
        {"vendor": "greymatter", "pick": "unscannable", "webhook": "duplicate"},
        {"vendor": "greymatter", "quantity": 2, "status": 503},
        {"vendor": "greymatter", "pick": "unscannable", "quantity": 0},
    ):
        r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
        assert r.status_code == 400, spec
    assert (await client.get("/pickbay/v1/faults", headers=admin)).json() == {"faults": []}


async def test_a_slow_robot_takes_three_times_as_long_for_each_step_in_order(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    fault = await inject(client, admin, vendor="pickup_cloud", slow=3)
    made = await client.post(
        "/api/v2/orders",
        json={**ORDER, "orderNumber": "S-1", "relatedNotes": "$pickup-010-030"},
        headers=KEY,
    )
    assert made.status_code == 200
    url = "/api/v2/orders/by-ordernumber/S-1"
    # Input planned 10 s after creation takes 30 s; the pickup, 20 s after the input, 60 s.
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 29}, headers=admin)
    assert (await client.get(url, headers=KEY)).json()["state"] == "READYFORINPUT"
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 60}, headers=admin)
    shown = (await client.get(url, headers=KEY)).json()
    assert (shown["state"], shown["firstInputDate"]) == (
        "READYFORPICKUP",
        "2030-01-15T09:00:30.0000000+00:00",
    )
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 1}, headers=admin)
    shown = (await client.get(url, headers=KEY)).json()
    assert (shown["state"], shown["pickedUpDate"]) == (
        "PICKEDUP",
        "2030-01-15T09:01:30.0000000+00:00",
    )
    async with app_runtime.db.read() as conn:
        fired = [e for e in await event_log.read(conn) if e.type == "fault.fired"]
    assert [(e.tenant, e.payload["slow"], e.payload["until"]) for e in fired] == [
        ("dev", 3.0, "2030-01-15T09:00:30+00:00"),
        ("dev", 3.0, "2030-01-15T09:01:30+00:00"),
    ]
    shown_fault = (await client.get(f"/pickbay/v1/faults/{fault['id']}", headers=admin)).json()
    assert (shown_fault["slow"], shown_fault["matched"], shown_fault["fired"]) == (3.0, 2, 2)


async def test_a_slow_fault_on_one_tenant_leaves_anothers_robot_at_its_pace(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    other = await app_runtime.tenancy.create_key("other")
    await inject(client, admin, vendor="pickup_cloud", slow=10, tenant="other")
    for key in ("dev", other):
        body = {**ORDER, "orderNumber": "T-1", "relatedNotes": "$input-010"}
        assert (
            await client.post("/api/v2/orders", json=body, headers={"x-api-key": key})
        ).is_success
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 11}, headers=admin)
    url = "/api/v2/orders/by-ordernumber/T-1"
    assert (await client.get(url, headers=KEY)).json()["state"] == "READYFORPICKUP"
    slowed = await client.get(url, headers={"x-api-key": other})
    assert slowed.json()["state"] == "READYFORINPUT"  # its input takes 100 s
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 90}, headers=admin)
    slowed = await client.get(url, headers={"x-api-key": other})
    assert slowed.json()["state"] == "READYFORPICKUP"


async def test_a_slow_lift_operator_confirms_later_for_the_faults_count_only(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # One slow step: the import (2 s) takes 8 s; the line's confirm (5 s) is at its pace.
    await inject(client, admin, vendor="itempath", slow=4, count=1)
    login = await client.post("/api/users/login", json={"username": "admin", "password": "admin"})
    auth = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    body = {
        "name": "SLOW",
        "allocate": True,
        "order_lines": [{"materialName": "S101", "quantity": 1}],
    }
    made = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    url = f"/api/orders/{made['id']}"
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 12}, headers=admin)
    assert (await client.get(url, headers=auth)).json()["order"]["status"] != "Processed"
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 1}, headers=admin)
    assert (await client.get(url, headers=auth)).json()["order"]["status"] == "Processed"


async def test_a_slow_greymatter_floor_moves_racks_and_picks_later(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    made = await client.post(
        SR, json=pick("P-1", ("P-1_1", 1, "product_sku = 'MM00001'")), headers=GM
    )
    assert made.status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 120}, headers=admin)
    quick = await client.get(f"{SR}/{made.json()['id']}", headers=GM)
    assert quick.json()["state"] == "complete"
    await inject(client, admin, vendor="greymatter", slow=50)
    made = await client.post(
        SR, json=pick("P-2", ("P-2_1", 1, "product_sku = 'MM00001'")), headers=GM
    )
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 120}, headers=admin)
    slow = await client.get(f"{SR}/{made.json()['id']}", headers=GM)
    assert slow.json()["state"] != "complete"
    async with app_runtime.db.read() as conn:
        fired = [e for e in await event_log.read(conn) if e.type == "fault.fired"]
    assert fired
    assert {e.payload["step"] for e in fired} <= {"greymatter.reach", "greymatter.pick"}


async def test_a_bad_slow_or_push_delay_fault_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for spec in (
        {"slow": 2},
        {"slow": 1, "vendor": "itempath"},
        {"slow": 2000, "vendor": "itempath"},
        {"slow": 2, "vendor": "itempath", "status": 503},
        {"slow": 2, "vendor": "itempath", "pick": "short"},
        {"slow": 2, "vendor": "itempath", "offline": True, "seconds": 9},
        {"slow": 2, "vendor": "pickup_cloud", "pushDelayMs": 100},
        {"pushDelayMs": 100},
        {"pushDelayMs": 100, "vendor": "greymatter"},
        {"pushDelayMs": 0, "vendor": "pickup_cloud"},
        {"pushDelayMs": 100, "vendor": "pickup_cloud", "count": 2},
        {"pushDelayMs": 100, "vendor": "pickup_cloud", "drop": True},
        {"pushDelayMs": 100, "vendor": "pickup_cloud", "path": "/hubs/*"},
        {"vendor": "greymatter", "pick": "unscannable", "slow": 2},
        {"webhook": "duplicate", "slow": 2},
    ):
        r = await client.post("/pickbay/v1/faults", json=spec, headers=admin)
        assert r.status_code == 400, spec
    assert (await client.get("/pickbay/v1/faults", headers=admin)).json() == {"faults": []}


async def test_a_wrong_output_fault_hands_the_packs_out_at_another_point(
    client: httpx.AsyncClient, admin: dict[str, str], app_runtime: Runtime
) -> None:
    fault = await inject(client, admin, vendor="pickup_cloud", pick="wrong_output", count=1)
    for number in ("OUT-1", "OUT-2"):
        body = {**ORDER, "orderNumber": number, "relatedNotes": "$pickup-010-030"}
        assert (await client.post("/api/v2/orders", json=body, headers=KEY)).status_code == 200
    await client.post("/pickbay/v1/clock/advance", json={"seconds": 31}, headers=admin)
    async with app_runtime.db.read() as conn:
        logged = await event_log.read(conn, since=0, limit=1000)
    handed = {
        e.payload["orderNumber"]: e.payload["pack"]["outputDestination"]
        for e in logged
        if e.type == "article.state_changed"
        and e.payload["article"]["orderArticleState"] == "PICKEDUP"
    }
    assert handed == {"OUT-1": 2, "OUT-2": 1}  # the fault's one pickup, then the usual point
    (fired,) = [e for e in logged if e.type == "fault.fired"]
    assert (fired.payload["pick"], fired.tenant) == ("wrong_output", "dev")
    shown = (await client.get(f"/pickbay/v1/faults/{fault['id']}", headers=admin)).json()
    assert (shown["matched"], shown["fired"]) == (1, 1)
