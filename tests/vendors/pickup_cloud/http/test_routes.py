"""The Pickup Cloud REST API over HTTP (ASGI), on a paused sandbox clock."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from tests.conftest import T0

Json = dict[str, Any]
ARTICLE = {"scanCode": "5948912001188", "name": "Bayer Aspirin 500mg x 8", "quantityOrdered": 2}


# The keys of an order answer, in the seed's order (its recurrent create has exactly these).
ORDER_KEYS = [
    "articles",
    "orderNumber",
    "requestCustomerToFillData",
    "relatedNotes",
    "dosageInformation",
    "state",
    "creationDate",
    "lastUpdateDate",
    "pickedUpDate",
    "canceledDate",
    "firstInputDate",
    "isOverdue",
    "pickupCode",
    "storageCode",
    "cancellationReason",
]


def body(number: str = "N1", **extra: Any) -> Json:
    return {"orderNumber": number, "articles": [ARTICLE], **extra}


def recurrent_body(number: str = "R1", **extra: Any) -> Json:
    return {
        "orderNumber": number,
        "relatedNotes": "string",
        "dosageInformation": "string",
        "sendCustomerPickupMail": True,
        "customerSelfRegistration": False,
        "customerDetails": {"fullName": "Max Mustermann", "city": "Schneppenbach"},
        "articles": [{**ARTICLE, "quantityOrdered": 1, "interval": 10}],
        "startDate": "2030-01-20T00:00:00",
        "endDate": "2030-02-20T00:00:00",
        **extra,
    }


async def create(
    client: httpx.AsyncClient, payload: Json, path: str = "/api/v2/orders", key: str = "dev"
) -> httpx.Response:
    return await client.post(path, json=payload, headers={"x-api-key": key})


async def get(client: httpx.AsyncClient, number: str, key: str = "dev") -> Json:
    r = await client.get(f"/api/v2/orders/by-ordernumber/{number}", headers={"x-api-key": key})
    assert r.status_code == 200, r.text
    data: Json = r.json()
    return data


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    r = await client.post(
        "/pickbay/v1/clock/advance",
        json={"seconds": seconds},
        headers={"Authorization": "Bearer dev"},
    )
    assert r.status_code == 200, r.text


async def advance_to(client: httpx.AsyncClient, when: datetime) -> None:
    now = (await client.get("/pickbay/v1/clock", headers={"Authorization": "Bearer dev"})).json()
    await advance(client, (when - datetime.fromisoformat(now["now"])).total_seconds())


async def event_count(rt: Runtime) -> int:
    async with rt.db.transaction() as conn:
        return len(await event_log.read(conn))


async def test_create_one_time_order(client: httpx.AsyncClient) -> None:
    r = await create(client, body(customerSelfRegistration=True, relatedNotes="hello"))
    assert r.status_code == 200
    data = r.json()
    assert list(data)[:15] == ORDER_KEYS
    assert data["state"] == "READYFORINPUT"
    assert data["requestCustomerToFillData"] is True
    assert data["creationDate"] == "2030-01-15T09:00:00.0000000+00:00"
    assert data["lastUpdateDate"] is None
    assert data["isOverdue"] is False
    assert data["cancellationReason"] == ""
    assert re.fullmatch(r"customer_[0-9A-F]{32}", data["pickupCode"])
    assert re.fullmatch(r"pickup_[0-9A-F]{32}", data["storageCode"])
    assert data["articles"][0]["state"] == "READYFORINPUT"
    assert data["articles"][0]["quantityOrdered"] == 2


async def test_seed_recurrent_order_with_vendor_content_type(client: httpx.AsyncClient) -> None:
    raw = httpx.Request("POST", "/", json=recurrent_body()).content
    r = await client.post(
        "/api/v2/recurrentorders",
        content=raw,
        headers={
            "x-api-key": "dev",
            "Content-Type": "application/*+json",
            "Accept": "application/json",
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["articles"] == []
    assert data["state"] == "SCHEDULED"
    full = await get(client, "R1")
    assert full["articles"][0]["dueDate"] == "2030-01-20T00:00:00.0000000+00:00"
    assert full["articles"][0]["interval"] == 10
    assert full["articles"][0]["state"] == "SCHEDULED"


async def test_get_by_pickup_code_and_tenancy(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    created = (await create(client, body())).json()
    code = created["pickupCode"]
    r = await client.get(f"/api/v2/orders/by-pickupcode/{code}", headers={"x-api-key": "dev"})
    assert r.status_code == 200
    assert r.json()["orderNumber"] == "N1"

    other = await app_runtime.tenancy.create_key("other-pharmacy")
    for path in (f"/api/v2/orders/by-pickupcode/{code}", "/api/v2/orders/by-ordernumber/N1"):
        r = await client.get(path, headers={"x-api-key": other})
        assert r.status_code == 404
        assert r.json()["title"] == "Not Found"
    assert (await client.get("/api/v2/orders", headers={"x-api-key": other})).json() == []
    # the same number is free for another tenant
    assert (await create(client, body(), key=other)).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient, headers: Json) -> None:
    r = await client.post("/api/v2/orders", json=body(), headers=headers)
    assert r.status_code == 401
    assert r.json()["status"] == 401
    assert "traceId" in r.json()
    r = await client.get("/api/v2/orders", headers=headers)
    assert r.status_code == 401


async def test_duplicate_order_number_is_409_and_changes_nothing(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    await create(client, body())
    before = await event_count(app_runtime)
    r = await create(client, body(relatedNotes="$input-001"))
    assert r.status_code == 409
    assert "N1" in r.json()["detail"]
    assert await event_count(app_runtime) == before
    assert len((await client.get("/api/v2/orders", headers={"x-api-key": "dev"})).json()) == 1


LONG = "x" * 101


@pytest.mark.parametrize(
    ("payload", "key", "message"),
    [
        ({"articles": [ARTICLE]}, "OrderNumber", "The OrderNumber field is required."),
        (body(""), "OrderNumber", "The OrderNumber field is required."),
        (body(LONG), "OrderNumber", "maximum length of 100"),
        ({"orderNumber": "N"}, "Articles", "The Articles field is required."),
        (body(articles=[]), "Articles", "minimum length of '1'"),
        (body(articles=[{"scanCode": "1"}]), "Articles[0].QuantityOrdered", "required"),
        (
            body(articles=[{**ARTICLE, "quantityOrdered": 0}]),
            "Articles[0].QuantityOrdered",
            "must be between 1 and 2147483647",
        ),
        (
            body(articles=[{**ARTICLE, "quantityOrdered": "2"}]),
            "$.articles[0].quantityOrdered",
            "System.Int32",
        ),
        (
            body(articles=[{**ARTICLE, "quantityOrdered": 2.5}]),
            "$.articles[0].quantityOrdered",
            "System.Int32",
        ),
        (body(sendCustomerPickupMail="yes"), "$.sendCustomerPickupMail", "System.Boolean"),
        (body(orderNumber=7), "$.orderNumber", "System.String"),
        (body(customerDetails={"email": "e" * 201}), "CustomerDetails.Email", "maximum length"),
        (body(relatedNotes="n" * 2001), "RelatedNotes", "maximum length of 2000"),
        ([body()], "$", "System.Object"),
    ],
)
async def test_validation_errors_name_the_field(
    client: httpx.AsyncClient, app_runtime: Runtime, payload: Any, key: str, message: str
) -> None:
    r = await create(client, payload)
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["title"] == "One or more validation errors occurred."
    assert problem["status"] == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert key in problem["errors"], problem["errors"]
    assert any(message in m for m in problem["errors"][key]), problem["errors"][key]
    assert await event_count(app_runtime) == 0


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        ({"articles": [{**ARTICLE, "interval": 0}]}, "Articles[0].Interval", "between 1 and 99"),
        ({"articles": [{**ARTICLE, "interval": 100}]}, "Articles[0].Interval", "between 1 and 99"),
        ({"articles": [ARTICLE]}, "Articles[0].Interval", "required"),
        ({"startDate": "2030-01-14T23:00:00"}, "StartDate", "at least the current day"),
        ({"endDate": "2030-01-15T10:00:00"}, "EndDate", "one day after the current day"),
        ({"startDate": "2030-03-01T00:00:00"}, "EndDate", "before the start date"),
        ({"startDate": "soon"}, "$.startDate", "System.DateTime"),
        ({"endDate": None}, "EndDate", "required"),
    ],
)
async def test_recurrent_rules(
    client: httpx.AsyncClient, app_runtime: Runtime, change: Json, key: str, message: str
) -> None:
    r = await create(client, recurrent_body(**change), "/api/v2/recurrentorders")
    assert r.status_code == 400, r.text
    assert any(message in m for m in r.json()["errors"][key]), r.json()
    assert await event_count(app_runtime) == 0


async def test_start_today_is_accepted(client: httpx.AsyncClient) -> None:
    payload = recurrent_body(startDate="2030-01-15T00:00:00", endDate="2030-01-16T00:00:00")
    r = await create(client, payload, "/api/v2/recurrentorders")
    assert r.status_code == 200, r.text


async def test_a_recurrent_order_answers_with_the_vendors_keys(client: httpx.AsyncClient) -> None:
    made = (await create(client, recurrent_body(), "/api/v2/recurrentorders")).json()
    assert list(made) == ORDER_KEYS
    assert (made["articles"], made["state"], made["cancellationReason"]) == ([], "SCHEDULED", "")
    assert list(await get(client, "R1")) == ORDER_KEYS


async def test_a_recurrent_order_past_its_preparation_date_answers_ready_for_input(
    client: httpx.AsyncClient, admin: Json
) -> None:
    # Due today (the first iteration is due at startDate): input opened a day ago.
    payload = recurrent_body(startDate="2030-01-15T00:00:00", endDate="2030-01-30T00:00:00")
    made = (await create(client, payload, "/api/v2/recurrentorders")).json()
    assert made["state"] == "READYFORINPUT"
    order = await get(client, "R1")
    assert (order["state"], order["articles"][0]["state"]) == ("READYFORINPUT", "READYFORINPUT")
    r = await client.post(
        "/pickbay/v1/pickup-cloud/input", json={"storageCode": made["storageCode"]}, headers=admin
    )
    assert r.json()["state"] == "READYFORPICKUP"
    assert (r.json()["startDate"], r.json()["endDate"]) == (
        "2030-01-15T00:00:00.0000000+00:00",
        "2030-01-30T00:00:00.0000000+00:00",
    )  # the operator's view shows what the tenant's does not


async def test_a_date_alone_is_its_midnight(client: httpx.AsyncClient, admin: Json) -> None:
    payload = recurrent_body(startDate="2030-01-20", endDate="2030-02-20")
    made = await create(client, payload, "/api/v2/recurrentorders")
    assert made.status_code == 200, made.text
    order = await get(client, "R1")
    assert order["articles"][0]["dueDate"] == "2030-01-20T00:00:00.0000000+00:00"
    for bad in ("2030-1-20", "2030-01-20T", "20300120"):
        r = await create(client, recurrent_body("R2", startDate=bad), "/api/v2/recurrentorders")
        assert r.status_code == 400, bad


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"orderNumber": ', "application/json", 400),
        (b"", "application/json", 400),
        (b"{}", "text/plain", 415),
        (b"{}", None, 415),
    ],
)
async def test_unreadable_bodies(
    client: httpx.AsyncClient, content: bytes, content_type: str | None, status: int
) -> None:
    headers = {"x-api-key": "dev"}
    if content_type:
        headers["content-type"] = content_type
    r = await client.post("/api/v2/orders", content=content, headers=headers)
    assert r.status_code == status
    assert r.json()["status"] == status


async def test_fail_script_is_a_500_and_stores_nothing(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    for path, payload in [
        ("/api/v2/orders", body(relatedNotes="$fail")),
        ("/api/v2/recurrentorders", recurrent_body(relatedNotes="$fail")),
        (
            "/api/v2/orders/on-behalf-of",
            body(relatedNotes="$fail", origin="o", originOrderNumber="1"),
        ),
    ]:
        r = await create(client, payload, path)
        assert r.status_code == 500
        assert r.json()["title"] == "An unexpected error occurred."
    assert await event_count(app_runtime) == 0


async def test_input_script(client: httpx.AsyncClient) -> None:
    await create(client, body(relatedNotes="$input-009"))
    await advance(client, 8)
    assert (await get(client, "N1"))["state"] == "READYFORINPUT"
    await advance(client, 1)
    order = await get(client, "N1")
    assert order["state"] == "READYFORPICKUP"
    assert order["firstInputDate"] == "2030-01-15T09:00:09.0000000+00:00"
    packs = order["articles"][0]["packs"]
    assert len(packs) == 2
    assert {"batchNumber", "expiryDate", "serialNumber", "depth", "shape"} <= set(packs[0])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", packs[0]["expiryDate"])


async def test_pickup_script(client: httpx.AsyncClient) -> None:
    await create(client, body(relatedNotes="$pickup-015-030"))
    await advance(client, 60)
    order = await get(client, "N1")
    assert order["state"] == "PICKEDUP"
    assert order["pickedUpDate"] == "2030-01-15T09:00:30.0000000+00:00"
    assert order["isOverdue"] is False


async def test_pickup_before_input_means_overdue(client: httpx.AsyncClient) -> None:
    await create(client, body(relatedNotes="$pickup-020-005"))
    await advance(client, 5)
    order = await get(client, "N1")
    assert order["isOverdue"] is True
    assert order["state"] == "READYFORINPUT"
    await advance(client, 100)
    order = await get(client, "N1")
    assert order["state"] == "READYFORPICKUP"
    assert order["isOverdue"] is True


@pytest.mark.parametrize(
    ("notes", "first_input"), [("$cancel-002-007", True), ("$cancel-010-001", False)]
)
async def test_cancel_scripts(client: httpx.AsyncClient, notes: str, first_input: bool) -> None:
    await create(client, body(relatedNotes=notes))
    await advance(client, 30)
    order = await get(client, "N1")
    assert order["state"] == "CANCELED"
    assert (order["firstInputDate"] is not None) is first_input


async def test_invalid_script_triggers_nothing(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    await create(client, body(relatedNotes="$input-abc"))
    await advance(client, 3600)
    assert (await get(client, "N1"))["state"] == "READYFORINPUT"


async def test_on_behalf_of_both_parties_see_the_order(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    webshop = await app_runtime.tenancy.create_key("dev", origin="Webshop_A_123")
    r = await create(
        client,
        body(
            "PIS-B-2",
            origin="Webshop_A_123",
            originOrderNumber="W-A-1",
            relatedNotes="$pickup-010-015-030",
        ),
        "/api/v2/orders/on-behalf-of",
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "SCHEDULED"
    shop_view = await get(client, "W-A-1", key=webshop)
    assert shop_view["orderNumber"] == "W-A-1"
    assert shop_view["pickupCode"] == r.json()["pickupCode"]
    await advance(client, 10)
    assert (await get(client, "PIS-B-2"))["state"] == "READYFORINPUT"
    await advance(client, 20)
    assert (await get(client, "W-A-1", key=webshop))["state"] == "PICKEDUP"
    dup = await create(
        client,
        body("PIS-B-3", origin="Webshop_A_123", originOrderNumber="W-A-1"),
        "/api/v2/orders/on-behalf-of",
    )
    assert dup.status_code == 409
    listed = await client.get("/api/v2/orders", headers={"x-api-key": webshop})
    assert [o["orderNumber"] for o in listed.json()] == ["W-A-1"]
    r = await client.post(
        "/api/v2/orders/by-ordernumber/W-A-1/cancel", headers={"x-api-key": webshop}
    )
    assert r.status_code == 409  # picked up: the shop reached the order by its own number


async def test_on_behalf_of_stays_inside_the_callers_tenant(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    # Tenant "shop" has a key; the "dev" key names it as an origin, and learns nothing.
    shop = await app_runtime.tenancy.create_key("shop")
    mine = (await create(client, body("S-1"), key=shop)).json()
    for n, number in enumerate(("S-1", "S-2")):  # one the shop uses, one it does not: alike
        r = await create(
            client,
            body(f"PIS-{n}", origin="shop", originOrderNumber=number),
            "/api/v2/orders/on-behalf-of",
        )
        assert r.status_code == 200, r.text
        assert r.json()["orderNumber"] == f"PIS-{n}"
    theirs = (await create(client, body("S-2"), key=shop)).json()  # no collision
    assert (await get(client, "S-1", key=shop))["pickupCode"] == mine["pickupCode"]
    assert (await get(client, "S-2", key=shop))["pickupCode"] == theirs["pickupCode"]
    listed = await client.get("/api/v2/orders", headers={"x-api-key": shop})
    assert [o["orderNumber"] for o in listed.json()] == ["S-1", "S-2"]
    on_behalf = await get(client, "PIS-0")
    for path in (
        "/api/v2/orders/by-ordernumber/PIS-0",
        f"/api/v2/orders/by-pickupcode/{on_behalf['pickupCode']}",
    ):
        r = await client.get(path, headers={"x-api-key": shop})
        assert r.status_code == 404, path
    r = await client.post("/api/v2/orders/by-ordernumber/PIS-0/cancel", headers={"x-api-key": shop})
    assert r.status_code == 404
    # and the shop's orders stay out of the dev key's reach the same way
    r = await client.get(f"/api/v2/orders/by-pickupcode/{mine['pickupCode']}")
    assert r.status_code == 401
    r = await client.get(
        f"/api/v2/orders/by-pickupcode/{mine['pickupCode']}", headers={"x-api-key": "dev"}
    )
    assert r.status_code == 404


async def test_recurrent_order_runs_on_the_calendar(client: httpx.AsyncClient, admin: Json) -> None:
    created = (await create(client, recurrent_body(), "/api/v2/recurrentorders")).json()
    # due 2030-01-20, input opens one preparation day before
    await advance_to(client, datetime(2030, 1, 19, tzinfo=UTC) - timedelta(seconds=1))
    assert (await get(client, "R1"))["state"] == "SCHEDULED"
    await advance(client, 1)
    assert (await get(client, "R1"))["state"] == "READYFORINPUT"
    r = await client.post(
        "/pickbay/v1/pickup-cloud/input",
        json={"storageCode": created["storageCode"]},
        headers=admin,
    )
    assert r.json()["state"] == "READYFORPICKUP"
    r = await client.post(
        "/pickbay/v1/pickup-cloud/pickup",
        json={"pickupCode": created["pickupCode"]},
        headers=admin,
    )
    assert r.status_code == 200
    order = await get(client, "R1")
    assert order["state"] == "SCHEDULED"
    assert order["articles"][0]["dueDate"] == "2030-01-30T00:00:00.0000000+00:00"
    assert order["pickedUpDate"] is not None
    # the second iteration is never collected: overdue at its due date, expired 14 days on
    await advance_to(client, datetime(2030, 1, 30, tzinfo=UTC) - timedelta(seconds=1))
    order = await get(client, "R1")
    assert order["state"] == "READYFORINPUT"
    assert order["isOverdue"] is False
    await advance(client, 1)
    assert (await get(client, "R1"))["isOverdue"] is True
    await advance_to(client, datetime(2030, 2, 13, tzinfo=UTC))
    order = await get(client, "R1")
    assert order["state"] == "CANCELED"
    assert order["cancellationReason"] == "Expired"


async def test_cancel_endpoint(client: httpx.AsyncClient) -> None:
    await create(client, body())
    r = await client.post(
        "/api/v2/orders/by-ordernumber/N1/cancel",
        json={"cancellationReason": "changed mind"},
        headers={"x-api-key": "dev"},
    )
    assert r.status_code == 200
    assert r.json()["state"] == "CANCELED"
    assert r.json()["cancellationReason"] == "changed mind"
    assert r.json()["canceledDate"] == "2030-01-15T09:00:00.0000000+00:00"
    again = await client.post(
        "/api/v2/orders/by-ordernumber/N1/cancel", headers={"x-api-key": "dev"}
    )
    assert again.status_code == 409
    missing = await client.post(
        "/api/v2/orders/by-ordernumber/NOPE/cancel", headers={"x-api-key": "dev"}
    )
    assert missing.status_code == 404


async def test_uncollected_one_time_order_expires(client: httpx.AsyncClient) -> None:
    await create(client, body(relatedNotes="$input-001"))
    await advance(client, timedelta(days=14).total_seconds())
    assert (await get(client, "N1"))["state"] == "READYFORPICKUP"
    await advance(client, 1)
    order = await get(client, "N1")
    assert order["state"] == "CANCELED"
    assert order["cancellationReason"] == "Expired"


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    for i in range(4):
        await create(client, body(f"N{i}", relatedNotes="$input-001" if i % 2 else None))
    await advance(client, 1)
    h = {"x-api-key": "dev"}
    everything = (await client.get("/api/v2/orders", headers=h)).json()
    assert [o["orderNumber"] for o in everything] == ["N0", "N1", "N2", "N3"]
    ready = (await client.get("/api/v2/orders?state=READYFORPICKUP", headers=h)).json()
    assert [o["orderNumber"] for o in ready] == ["N1", "N3"]
    page = (await client.get("/api/v2/orders?skip=1&take=2", headers=h)).json()
    assert [o["orderNumber"] for o in page] == ["N1", "N2"]
    for query in ("state=DONE", "take=0", "take=501", "skip=-1", "take=x"):
        r = await client.get(f"/api/v2/orders?{query}", headers=h)
        assert r.status_code == 400, query
        assert r.json()["title"] == "One or more validation errors occurred."


async def test_unknown_routes_answer_in_the_vendor_format(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v2/nothing", headers={"x-api-key": "dev"})
    assert r.status_code == 404
    assert r.json()["title"] == "Not Found"
    r = await client.delete("/api/v2/orders", headers={"x-api-key": "dev"})
    assert r.status_code == 405
    assert r.json()["status"] == 405


async def test_openapi_documents_the_bodies(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi/pickup-cloud.json")).json()
    assert "RecurrentOrderIn" in spec["components"]["schemas"]
    op = spec["paths"]["/api/v2/recurrentorders"]["post"]
    assert list(op["requestBody"]["content"]) == ["application/json"]
    assert "application/*+json" in spec["info"]["description"]
    assert op["security"] == [{"PickupCloudKey": []}]
    assert spec["components"]["securitySchemes"]["PickupCloudKey"]["name"] == "x-api-key"


async def test_timestamps_come_from_the_clock(client: httpx.AsyncClient) -> None:
    await advance(client, 3600)
    created = (await create(client, body())).json()
    assert created["creationDate"] == (T0 + timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S.0000000+00:00"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("startDate", "0001-01-01T00:00:00+01:00"), ("endDate", "9999-12-31T23:00:00-05:00")],
)
async def test_a_date_an_offset_moves_out_of_range_is_a_400(
    client: httpx.AsyncClient, field: str, value: str
) -> None:
    r = await create(client, recurrent_body(**{field: value}), "/api/v2/recurrentorders")
    assert r.status_code == 400, r.text
    assert f"$.{field}" in r.json()["errors"]


async def test_the_reads_answer_under_api_version_1_1_too(client: httpx.AsyncClient) -> None:
    made = (await create(client, body("V-1"))).json()
    key = {"x-api-key": "dev"}
    for path in ("by-ordernumber/V-1", f"by-pickupcode/{made['pickupCode']}"):
        r = await client.get(f"/api/v1.1/orders/{path}", headers=key)
        assert r.status_code == 200, r.text
        assert r.json() == made
        r = await client.get(f"/api/v1.1/orders/{path}")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/api/v1.1/orders/by-ordernumber/NONE", headers=key)
    assert r.status_code == 404
    assert r.json()["title"] == "Not Found"
    r = await client.get("/api/v3/orders/by-ordernumber/V-1", headers=key)
    assert r.status_code == 404
