"""The GreyMatter API as a host system meets it: the seed's requests, every lifecycle path,
and the notifications a real HTTP receiver gets for each."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import orjson
import pytest

from pickbay.runtime import Runtime
from pickbay.vendors.greymatter.http.documents import PICK_EXAMPLE
from tests.webhooks.receiver import Receiver

BASE = "/api-gateway/sr-service/platform-srms/service-request"
AUTH = {"Authorization": "Bearer dev"}
SEED_CREATE: dict[str, Any] = copy.deepcopy(PICK_EXAMPLE[1])  # the vendor's, verbatim

REQUEST_KEYS = [
    "id",
    "externalServiceRequestId",
    "serviceRequests",
    "type",
    "actuals",
    "expectations",
    "receivedOn",
    "status",
    "state",
    "attributes",
    "createdOn",
    "updatedOn",
]
CONTAINER_KEYS = [
    "id",
    "state",
    "type",
    "barcode",
    "products",
    "containers",
    "containerAttributes",
    "createdOn",
    "updatedOn",
]
PRODUCT_KEYS = [
    "id",
    "uid",
    "uidType",
    "productQuantity",
    "productAttributes",
    "createdOn",
    "updatedOn",
]
ENVELOPE_KEYS = ["notification_type", "version_number", "notification_id", "notification_data"]
DATA_KEYS = [
    "type",
    "state",
    "status",
    "externalServiceRequestId",
    "createdOn",
    "expectations",
    "serviceRequests",
    "actuals",
    "attributes",
]


def pick(external: str, *lines: tuple[str, int, str], **attributes: Any) -> dict[str, Any]:
    """A PICK body with (line id, eaches, filter) lines."""
    return {
        "externalServiceRequestId": external,
        "type": "PICK",
        "serviceRequests": [
            {
                "externalServiceRequestId": line_id,
                "type": "PICK_LINE",
                "expectations": {
                    "containers": [
                        {
                            "products": [
                                {
                                    "productQuantity": eaches,
                                    "productAttributes": {"filter_parameters": [flt]},
                                }
                            ]
                        }
                    ]
                },
            }
            for line_id, eaches, flt in lines
        ],
        **({"attributes": attributes} if attributes else {}),
    }


@pytest.fixture
async def hook(client: httpx.AsyncClient, receiver: Receiver, admin: dict[str, str]) -> str:
    """The receiver subscribed; returns the signing secret."""
    r = await client.post("/pickbay/v1/webhooks", json={"url": receiver.url}, headers=admin)
    assert r.status_code == 201
    secret: str = r.json()["secret"]
    return secret


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(BASE, json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def stock_of(client: httpx.AsyncClient, sku: str) -> dict[str, Any]:
    r = await client.get("/pickbay/v1/greymatter/stock", headers={"Authorization": "Bearer dev"})
    return next(s for s in r.json()["stock"] if s["attributes"] == {"product_sku": sku})


async def test_the_seed_create_example_answers_in_the_seed_shape(
    client: httpx.AsyncClient,
) -> None:
    body = await create(client, SEED_CREATE)
    assert list(body) == REQUEST_KEYS
    assert body["externalServiceRequestId"] == "16feb_033"
    assert (body["type"], body["status"], body["state"]) == ("PICK", "CREATED", "CREATED")
    assert body["actuals"] is None
    assert body["expectations"] is None
    assert body["attributes"] == SEED_CREATE["attributes"]
    assert body["receivedOn"] == "2030-01-15T09:00:00"
    (line,) = body["serviceRequests"]
    assert list(line) == REQUEST_KEYS
    assert line["serviceRequests"] is None
    assert line["attributes"] is None
    assert (line["type"], line["status"], line["state"]) == ("PICK_LINE", "CREATED", "CREATED")
    (container,) = line["expectations"]["containers"]
    assert list(container) == CONTAINER_KEYS
    assert (container["type"], container["state"], container["barcode"]) == (
        "VIRTUAL",
        None,
        None,
    )
    (product,) = container["products"]
    assert list(product) == PRODUCT_KEYS
    assert product["productQuantity"] == 5
    assert product["productAttributes"] == {"filter_parameters": ["product_sku = 'MM00001'"]}
    ids = [body["id"], line["id"], container["id"], product["id"]]
    assert all(isinstance(i, int) for i in ids)
    assert len(set(ids)) == 4

    shown = await client.get(f"{BASE}/{body['id']}", headers=AUTH)
    assert shown.json() == body
    line_only = await client.get(f"{BASE}/{line['id']}", headers=AUTH)
    assert line_only.json() == line


async def test_a_pick_completes_with_every_notification_in_order(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = await create(client, SEED_CREATE)
    for seconds in (1, 10, 5):  # inventory check, rack travel, one pick
        await app_runtime.scheduler.advance(seconds)
    got = await receiver.wait_for(5)
    assert receiver.of("16feb_033") == [
        ("order_information", "fulfillable"),
        ("order_information", "cancellation_locked"),
        ("order_information", "pick_started"),
        ("order_information", "complete"),
        ("bin_complete", "complete"),
    ]
    for n in got:
        assert list(n) == ENVELOPE_KEYS
        assert n["version_number"] == "1.5.0"
    assert len({n["notification_id"] for n in got}) == 5
    complete = got[3]["notification_data"]
    assert list(complete) == DATA_KEYS
    assert complete["status"] == "PROCESSED"
    (line,) = complete["serviceRequests"]
    assert (line["state"], line["status"]) == ("complete", "PROCESSED")
    assert line["actuals"]["containers"] == [
        {
            "products": [
                {
                    "productQuantity": 5,
                    "productAttributes": {
                        "pdfa_values": {"product_sku": "MM00001"},
                        "package_name": "item",
                        "package_count": 5,
                    },
                }
            ],
            "state": "complete",
            "barcode": None,
            "type": "VIRTUAL",
        }
    ]
    attributes = complete["attributes"]
    assert attributes["order_options"]["auto_release"] == "true"
    assert attributes["order_options"]["priority"] == 1
    assert (attributes["pps_id"], attributes["pps_bin_id"]) == ("1", "1")
    assert got[4]["notification_data"]["ppsId"] == 1
    assert got[4]["notification_data"]["serviceRequests"] == [complete]

    shown = (await client.get(f"{BASE}/{body['id']}", headers=AUTH)).json()
    assert (shown["state"], shown["status"]) == ("complete", "PROCESSED")
    assert (await stock_of(client, "MM00001"))["quantity"] == 95


async def test_subpacks_are_picked_whole_then_as_items(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    await create(client, pick("SUB-1", ("SUB-1_1", 45, "product_sku = '2005'")))
    for seconds in (1, 10, 5, 5):
        await app_runtime.scheduler.advance(seconds)
    got = await receiver.wait_for(5)
    done = got[-2]["notification_data"]
    assert done["state"] == "complete"
    products = [c["products"][0] for c in done["serviceRequests"][0]["actuals"]["containers"]]
    assert [
        (
            p["productQuantity"],
            p["productAttributes"]["package_name"],
            p["productAttributes"]["package_count"],
        )
        for p in products
    ] == [(40, "subpack", 2), (5, "item", 5)]


async def test_exceptions_on_subpacks_are_counted_in_subpacks(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = await create(client, pick("SUBX-1", ("SUBX-1_1", 45, "product_sku = '2005'")))
    await app_runtime.scheduler.advance(11)
    for kind, eaches in (("item_missing", 20), ("physically_damaged", 5), ("unscannable", 20)):
        r = await client.post(
            f"/pickbay/v1/greymatter/service-requests/{body['id']}/lines/SUBX-1_1/exception",
            json={"type": kind, "quantity": eaches},
            headers=AUTH,
        )
        assert r.status_code == 200, r.text
    got = await receiver.wait_for(5)
    containers = got[-1]["notification_data"]["actuals"]["containers"]
    # As the seed's pick-started example: 20 eaches missing are one subpack of 20.
    assert [
        (c["state"], c["products"][0]["productQuantity"], c["products"][0].get("productAttributes"))
        for c in containers
    ] == [
        (
            "item_missing",
            20,
            {"pdfa_values": {"product_sku": "2005"}, "package_name": "subpack", "package_count": 1},
        ),
        (
            "physically_damaged",
            5,
            {"pdfa_values": {"product_sku": "2005"}, "package_name": "item", "package_count": 5},
        ),
        ("unscannable", 20, None),
    ]


async def test_not_enough_stock_is_not_fulfillable_and_blocks_nothing(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    created = await create(
        client,
        pick(
            "NF-1", ("NF-1_1", 10, "product_sku = '2001'"), ("NF-1_2", 51, "product_sku = '2002'")
        ),
    )
    await app_runtime.scheduler.advance(1)
    (n,) = await receiver.wait_for(1)
    data = n["notification_data"]
    assert (data["state"], data["status"]) == ("not_fulfillable", "FAILED")
    assert [(x["state"], x["status"]) for x in data["serviceRequests"]] == [
        ("undefined", "FAILED"),
        ("undefined", "FAILED"),
    ]
    # As the vendor's unfulfillable example: the execution id, no station yet.
    assert list(data["attributes"]) == ["order_options", "execution_id"]
    assert data["attributes"]["execution_id"] == created["id"]
    assert (await stock_of(client, "2001"))["blocked"] == 0


async def test_filters_match_every_attribute_and_in_lists(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = pick(
        "F-1",
        ("F-1_1", 30, "product_sku = 'SKU12345'"),
        ("F-1_2", 30, "lot_id in ['LOT-X', 'LOT-B']"),
    )
    body["serviceRequests"][0]["expectations"]["containers"][0]["products"][0]["productAttributes"][
        "filter_parameters"
    ].append("client_id = 'C1'")
    await create(client, body)
    await app_runtime.scheduler.advance(1)
    (n,) = await receiver.wait_for(1)
    assert n["notification_data"]["state"] == "fulfillable"
    r = await client.get("/pickbay/v1/greymatter/stock", headers=AUTH)
    blocked = {s["attributes"].get("lot_id"): s["blocked"] for s in r.json()["stock"]}
    assert (blocked["LOT-A"], blocked["LOT-B"]) == (30, 30)


async def test_cancel_before_the_rack_arrives_succeeds_and_after_it_fails(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    await create(client, pick("C-1", ("C-1_1", 5, "product_sku = '2001'")))
    c2 = await create(client, pick("C-2", ("C-2_1", 5, "product_sku = '2002'")))
    await app_runtime.scheduler.advance(1)
    await receiver.wait_for(2)
    assert (await stock_of(client, "2001"))["blocked"] == 5

    r = await client.post(
        f"{BASE}/cancel", json={"externalServiceRequestId": "C-1", "type": "PICK"}, headers=AUTH
    )
    assert r.status_code == 200
    answer = r.json()
    assert list(answer) == ["id", "externalServiceRequestId", "type"]
    assert answer["externalServiceRequestId"] == "C-1"
    assert answer["type"] == "PICK"
    await app_runtime.scheduler.advance(0)
    got = await receiver.wait_for(4)
    assert got[2] == {
        "notification_type": "order_modification",
        "version_number": "1.5.0",
        "notification_id": got[2]["notification_id"],
        "notification_data": {"id": answer["id"], "state": "success"},
    }
    assert got[3]["notification_data"]["state"] == "cancelled"
    assert got[3]["notification_data"]["status"] == "CANCELLED"
    assert (await stock_of(client, "2001"))["blocked"] == 0

    await app_runtime.scheduler.advance(10)  # C-2's rack reaches its station
    await receiver.wait_for(5)
    r = await client.post(
        f"{BASE}/cancel", json={"externalServiceRequestId": "C-2", "type": "PICK"}, headers=AUTH
    )
    await app_runtime.scheduler.advance(0)
    got = await receiver.wait_for(6)
    assert got[5]["notification_data"] == {"id": r.json()["id"], "state": "failure"}
    shown = await client.get(f"{BASE}/{c2['id']}", headers=AUTH)
    assert shown.json()["state"] == "cancellation_locked"


async def test_missing_items_end_in_abandoned(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = await create(client, pick("AB-1", ("AB-1_1", 150, "product_sku = '2006'")))
    await app_runtime.scheduler.advance(11)  # fulfillable, then the rack arrives
    await receiver.wait_for(2)
    r = await client.post(
        f"/pickbay/v1/greymatter/service-requests/{body['id']}/lines/AB-1_1/exception",
        json={"type": "item_missing", "quantity": 100},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    await app_runtime.scheduler.advance(5)
    got = await receiver.wait_for(5)
    assert receiver.of("AB-1") == [
        ("order_information", "fulfillable"),
        ("order_information", "cancellation_locked"),
        ("order_information", "pick_started"),
        ("order_information", "abandoned"),
        ("bin_complete", "abandoned"),
    ]
    missing = got[2]["notification_data"]["actuals"]["containers"]
    assert missing == [
        {
            "products": [
                {
                    "productQuantity": 100,
                    "productAttributes": {
                        "pdfa_values": {"product_sku": "2006"},
                        "package_name": "subpack",  # five whole subpacks of 20
                        "package_count": 5,
                    },
                }
            ],
            "state": "item_missing",
            "barcode": None,
            "type": "VIRTUAL",
            "containerAttributes": {},
        }
    ]
    abandoned = got[3]["notification_data"]
    assert abandoned["status"] == "CANCELLED"
    picked = abandoned["serviceRequests"][0]["actuals"]["containers"]
    assert sum(c["products"][0]["productQuantity"] for c in picked) == 100
    stock = await stock_of(client, "2006")
    assert (stock["quantity"], stock["blocked"]) == (0, 0)


async def test_damaged_items_are_replaced_from_other_stock_and_the_pick_completes(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = await create(client, pick("DM-1", ("DM-1_1", 10, "product_sku = '2001'")))
    await app_runtime.scheduler.advance(11)
    for kind, eaches in (("physically_damaged", 2), ("unscannable", 1)):
        r = await client.post(
            f"/pickbay/v1/greymatter/service-requests/{body['id']}/lines/DM-1_1/exception",
            json={"type": kind, "quantity": eaches},
            headers=AUTH,
        )
        assert r.status_code == 200, r.text
    await app_runtime.scheduler.advance(5)
    await receiver.wait_for(6)
    # After the first transaction, the item-picked notifications tell "fulfillable", as the
    # seed's examples do.
    assert [s for _, s in receiver.of("DM-1")][2:] == [
        "pick_started",
        "fulfillable",
        "complete",
        "complete",
    ]
    done = receiver.received[-2]["notification_data"]
    assert [c["state"] for c in done["actuals"]["containers"]] == [
        "physically_damaged",
        "unscannable",
    ]
    assert done["actuals"]["containers"][1]["products"] == [{"productQuantity": 1}]
    assert (await stock_of(client, "2001"))["quantity"] == 50 - 10 - 3


async def test_modify_before_the_rack_arrives_adds_a_line(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    body = await create(client, SEED_CREATE)
    await app_runtime.scheduler.advance(1)
    modify = {
        "externalServiceRequestId": "16feb_033",
        "type": "PICK",
        "serviceRequests": pick("x", ("lineid_02", 5, "product_sku = '5001'"))["serviceRequests"],
    }
    r = await client.post(f"{BASE}/modify", json=modify, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["externalServiceRequestId"] == "16feb_033"
    await app_runtime.scheduler.advance(0)
    got = await receiver.wait_for(3)
    assert got[1]["notification_data"] == {"id": r.json()["id"], "state": "success"}
    data = got[2]["notification_data"]
    assert data["state"] == "fulfillable"
    assert [x["externalServiceRequestId"] for x in data["serviceRequests"]] == [
        "lineid_01",
        "lineid_02",
    ]
    shown = (await client.get(f"{BASE}/{body['id']}", headers=AUTH)).json()
    new_line = shown["serviceRequests"][1]
    assert (await client.get(f"{BASE}/{new_line['id']}", headers=AUTH)).json() == new_line
    assert (await stock_of(client, "5001"))["blocked"] == 5


async def test_a_put_adds_stock_and_is_released(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver, hook: str
) -> None:
    put = {
        "externalServiceRequestId": "PUT-1",
        "type": "PUT",
        "serviceRequests": [
            {
                "externalServiceRequestId": "PUT-1_1",
                "type": "PUT_LINE",
                "expectations": {
                    "containers": [
                        {
                            "products": [
                                {
                                    "productQuantity": 40,
                                    "productAttributes": {"pdfa_values": {"product_sku": "NEW-1"}},
                                }
                            ]
                        }
                    ]
                },
            }
        ],
    }
    await create(client, put)
    for seconds in (1, 10, 5):
        await app_runtime.scheduler.advance(seconds)
    await receiver.wait_for(4)
    assert [s for _, s in receiver.of("PUT-1")] == [
        "stage_requested",
        "staged",
        "complete",
        "released",
    ]
    assert (await stock_of(client, "NEW-1"))["quantity"] == 40
    await create(client, pick("AFTER-PUT", ("AFTER-PUT_1", 40, "product_sku = 'NEW-1'")))
    await app_runtime.scheduler.advance(1)
    await receiver.wait_for(5)
    assert receiver.received[-1]["notification_data"]["state"] == "fulfillable"


BAD_BODIES: list[tuple[Any, str]] = [
    ([], "body"),
    ({"type": "PICK", "serviceRequests": []}, "externalServiceRequestId"),
    ({**SEED_CREATE, "type": "GRAB"}, "type"),
    ({**SEED_CREATE, "serviceRequests": []}, "serviceRequests"),
    ({**SEED_CREATE, "attributes": {"simple_priority": "urgent"}}, "attributes.simple_priority"),
    (
        {**SEED_CREATE, "attributes": {"pick_before_time": "tomorrow"}},
        "attributes.pick_before_time",
    ),
    (
        {**SEED_CREATE, "attributes": {"pick_after_time": "2018-04-09T18:00:00"}},
        "attributes.pick_after_time",
    ),
    ({**SEED_CREATE, "attributes": {"order_options": [1]}}, "attributes.order_options"),
]
P = "serviceRequests[0].expectations.containers[0].products[0]"


def _bad_line(change: Any) -> dict[str, Any]:
    body = copy.deepcopy(SEED_CREATE)
    change(body["serviceRequests"][0])
    return body


def _product(line: dict[str, Any]) -> dict[str, Any]:
    product: dict[str, Any] = line["expectations"]["containers"][0]["products"][0]
    return product


BAD_BODIES += [
    (_bad_line(lambda x: x.update(type="PUT_LINE")), "serviceRequests[0].type"),
    (
        _bad_line(lambda x: x.pop("externalServiceRequestId")),
        "serviceRequests[0].externalServiceRequestId",
    ),
    (
        _bad_line(lambda x: x["expectations"].update(containers=[])),
        "serviceRequests[0].expectations.containers",
    ),
    (_bad_line(lambda x: _product(x).update(productQuantity=0)), f"{P}.productQuantity"),
    (_bad_line(lambda x: _product(x).update(productQuantity="5")), f"{P}.productQuantity"),
    (_bad_line(lambda x: _product(x).update(productQuantity=True)), f"{P}.productQuantity"),
    (
        _bad_line(lambda x: _product(x)["productAttributes"].update(filter_parameters=[])),
        f"{P}.productAttributes.filter_parameters",
    ),
    (
        _bad_line(
            lambda x: _product(x)["productAttributes"].update(
                filter_parameters=["product_sku == 'A'"]
            )
        ),
        f"{P}.productAttributes.filter_parameters[0]",
    ),
    (
        _bad_line(
            lambda x: _product(x)["productAttributes"].update(
                filter_parameters=["sku in ['a' 'b']"]
            )
        ),
        f"{P}.productAttributes.filter_parameters[0]",
    ),
    (
        _bad_line(lambda x: _product(x)["productAttributes"].update(filter_parameters=["sku = a"])),
        f"{P}.productAttributes.filter_parameters[0]",
    ),
    (
        _bad_line(lambda x: _product(x)["productAttributes"].update(filter_parameters=[7])),
        f"{P}.productAttributes.filter_parameters[0]",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
async def test_bad_data_is_a_400_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    r = await client.post(BASE, json=body, headers=AUTH)
    assert r.status_code == 400, r.text
    error = r.json()
    assert list(error) == ["timestamp", "status", "error", "message", "path", "errors"]
    assert (error["status"], error["error"], error["path"]) == (400, "Bad data", BASE)
    assert field in [e["field"] for e in error["errors"]]
    assert (await client.get(f"{BASE}/1", headers=AUTH)).status_code == 404


async def test_broken_json_duplicates_tokens_and_unknown_ids(client: httpx.AsyncClient) -> None:
    r = await client.post(BASE, content=b"{", headers={**AUTH, "Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]) == (400, "Bad data")
    await create(client, SEED_CREATE)
    again = await client.post(BASE, json=SEED_CREATE, headers=AUTH)
    assert again.status_code == 400
    assert "already exists" in again.json()["message"]
    as_put = {
        **SEED_CREATE,
        "type": "PUT",
        "serviceRequests": [{**SEED_CREATE["serviceRequests"][0], "type": "PUT_LINE"}],
    }
    assert (await client.post(BASE, json=as_put, headers=AUTH)).status_code == 200

    assert (await client.post(BASE, json=SEED_CREATE)).status_code == 401
    wrong = await client.get(f"{BASE}/1", headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "Unauthorized")

    missing = await client.get(f"{BASE}/999999", headers=AUTH)
    assert (missing.status_code, missing.json()["status"]) == (404, 404)
    assert (await client.get(f"{BASE}/abc", headers=AUTH)).status_code == 400
    # "²" is a digit to str.isdigit() and none to int(): a 500 once.
    superscript = await client.get(f"{BASE}/\u00b2", headers=AUTH)
    assert (superscript.status_code, superscript.json()["error"]) == (400, "Bad data")
    for action in ("cancel", "modify"):
        r = await client.post(
            f"{BASE}/{action}",
            json={"externalServiceRequestId": "nope", "type": "PICK", "attributes": {}},
            headers=AUTH,
        )
        assert r.status_code == 404, r.text
    r = await client.post(
        f"{BASE}/modify",
        json={"externalServiceRequestId": "16feb_033", "type": "PICK"},
        headers=AUTH,
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (400, "body")


NOT_JSON = [
    ("text/plain", None),
    ("application/xml", None),
    ("application/x-www-form-urlencoded", None),
    ("multipart/form-data; boundary=x", None),
    (None, "application/octet-stream"),
]


@pytest.mark.parametrize(("content_type", "named"), NOT_JSON)
async def test_a_body_that_is_not_json_is_415_as_spring_answers(
    client: httpx.AsyncClient, content_type: str | None, named: str | None
) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    r = await client.post(BASE, content=orjson.dumps(SEED_CREATE), headers=headers)
    assert r.status_code == 415, r.text
    body = r.json()
    assert body["error"] == "Unsupported Media Type"
    assert body["message"] == f"Content-Type '{content_type or named}' is not supported."
    assert body["path"] == BASE
    listed = await client.get(f"{BASE}/1", headers=AUTH)
    assert listed.status_code == 404  # nothing was stored
