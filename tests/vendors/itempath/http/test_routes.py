"""The ItemPath API as an integrator meets it: the seed's requests, the lift's lifecycle."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import ANY

import httpx
import pytest

from pickbay.vendors.itempath.machine import WAREHOUSE_ID, material_id
from pickbay.vendors.itempath.model import STORAGE_UNIT

S103 = material_id("S103")
ORDER_KEYS = [
    "warehouseName",
    "Info5",
    "id",
    "order_lines",
    "modifiedDate",
    "handlingUnit",
    "ORDERISSUETO",
    "Info3",
    "orderType",
    "ORDERNOTE",
    "ORDERFACILITY",
    "status",
    "hasStock",
    "directionType",
    "Info1",
    "ORDERINFO6",
    "Info2",
    "unit",
    "priority",
    "storageUnits",
    "incompleteAllocations",
    "Info4",
    "name",
    "deadline",
]
LINE_KEYS = [
    "number",
    "serialNumber",
    "materialName",
    "quantity",
    "quantityDeviated",
    "id",
    "quantityConfirmed",
    "modifiedDate",
    "quantityRequested",
    "lot",
]
TRANSACTION_KEYS = [
    "id",
    "batchName",
    "binName",
    "carrierName",
    "creationDate",
    "directionType",
    "expiryDate",
    "exportStateType",
    "handlingUnit",
    "locationName",
    "lot",
    "materialId",
    "materialInfo1",
    "materialName",
    "motiveType",
    "orderId",
    "orderLineId",
    "orderLineNumber",
    "orderName",
    "quantity",
    "quantityConfirmed",
    "quantityDeviated",
    "serialNumber",
    "storageUnitName",
    "type",
    "warehouseName",
]
SEED_PUT = {
    "name": "Sample Put Order",
    "directionType": "Put",
    "allocate": True,
    "order_lines": [
        {"materialId": S103, "quantity": 1, "Info1": "TEST", "serialNumber": n}
        for n in (8, 9, 10, 12)
    ],
}


async def login(client: httpx.AsyncClient, username: str = "admin", password: str = "admin") -> Any:
    r = await client.post("/api/users/login", json={"username": username, "password": password})
    return r


@pytest.fixture
async def auth(client: httpx.AsyncClient) -> dict[str, str]:
    """Headers with an access token of the sandbox user."""
    r = await login(client)
    assert r.status_code == 200
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


async def advance(client: httpx.AsyncClient, admin: dict[str, str], seconds: float) -> None:
    r = await client.post("/pickbay/v1/clock/advance", json={"seconds": seconds}, headers=admin)
    assert r.status_code == 200


async def stock(client: httpx.AsyncClient, auth: dict[str, str], name: str) -> dict[str, Any]:
    r = await client.get(f"/api/materials/{name}", headers=auth)
    assert r.status_code == 200
    material: dict[str, Any] = r.json()["material"]
    return material


async def test_the_seed_put_order_comes_back_in_the_seed_shape(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.post("/api/orders", json=SEED_PUT, headers=auth)
    assert r.status_code == 200, r.text
    order = r.json()["order"]
    assert list(order) == ORDER_KEYS
    assert [list(line) for line in order["order_lines"]] == [LINE_KEYS] * 4
    assert order["status"] == "queued"
    assert order["directionType"] == 1
    assert order["priority"] == 2
    assert order["orderType"] == 1
    assert order["hasStock"] == 1
    assert order["warehouseName"] == "Warehouse"
    assert order["modifiedDate"] == "2030-01-15T09:00:00.000000"
    line = order["order_lines"][0]
    assert line["materialName"] == "S103"
    assert (line["number"], line["serialNumber"], line["quantity"]) == (1, "8", 1.0)
    assert (line["quantityConfirmed"], line["quantityDeviated"]) == (0.0, 1.0)
    assert [x["serialNumber"] for x in order["order_lines"]] == ["8", "9", "10", "12"]

    shown = await client.get(f"/api/orders/{order['id']}", headers=auth)
    assert shown.json() == {"order": order}
    listed = await client.get("/api/orders", headers=auth)
    assert listed.json() == {"orders": [order]}


async def test_timestamps_are_sql_server_datetimes_and_lines_are_written_one_by_one(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    await advance(client, admin, 0.3521)  # shown as .353000, as SQL Server would
    order = (await client.post("/api/orders", json=SEED_PUT, headers=auth)).json()["order"]
    times = [line["modifiedDate"] for line in order["order_lines"]]
    # As the seed's create example: the order's time is its first line's, each line later.
    assert order["modifiedDate"] == times[0] == "2030-01-15T09:00:00.353000"
    assert times == sorted(set(times))
    assert times[1:] == [f"2030-01-15T09:00:00.{ms}000" for ms in ("357", "360", "363")]
    # What is shown is what is stored and compared: [gt] the shown time leaves the row out.
    r = await client.get(f"/api/orders?modifiedDate=[gt]{times[0]}&countOnly=true", headers=auth)
    assert r.json() == {"count": 0}
    r = await client.get(f"/api/orders?modifiedDate={times[0]}&countOnly=true", headers=auth)
    assert r.json() == {"count": 1}
    r = await client.get(f"/api/order_lines?modifiedDate=[gt]{times[1]}", headers=auth)
    assert [line["number"] for line in r.json()["order_lines"]] == [3, 4]


async def test_a_put_order_is_imported_allocated_processed_and_adds_stock(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    before = (await stock(client, auth, "S103"))["currentQuantity"]
    order = (await client.post("/api/orders", json=SEED_PUT, headers=auth)).json()["order"]
    url = f"/api/orders/{order['id']}"

    await advance(client, admin, 2)
    shown = (await client.get(url, headers=auth)).json()["order"]
    assert shown["status"] == "Is Allocated"
    assert shown["storageUnits"] == [STORAGE_UNIT]
    assert (await stock(client, auth, "S103"))["putQuantity"] == 4.0

    await advance(client, admin, 5)
    shown = (await client.get(url, headers=auth)).json()["order"]
    assert shown["status"] == "In Process"
    assert [x["quantityConfirmed"] for x in shown["order_lines"]] == [1.0, 0.0, 0.0, 0.0]

    await advance(client, admin, 15)
    shown = (await client.get(url, headers=auth)).json()["order"]
    assert shown["status"] == "Processed"
    assert [x["quantityDeviated"] for x in shown["order_lines"]] == [0.0] * 4
    assert shown["modifiedDate"] == "2030-01-15T09:00:22.000000"
    after = await stock(client, auth, "S103")
    assert after["currentQuantity"] == before + 4
    assert after["putQuantity"] == 0.0
    # Processed orders stay readable by id and in the list (filter by status).
    listed = await client.get("/api/orders?status=Processed", headers=auth)
    assert [o["id"] for o in listed.json()["orders"]] == [order["id"]]


async def test_a_pick_short_of_stock_allocates_what_there_is_and_picks_short(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    # S106 has 3 on hand: a pick of 5 allocates 3, confirms 3, deviates by 2.
    body = {"name": "PICK-1", "order_lines": [{"materialName": "S106", "quantity": 5}]}
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    assert order["directionType"] == 2
    assert order["hasStock"] == 0
    await advance(client, admin, 2)
    url = f"/api/orders/{order['id']}"
    shown = (await client.get(url, headers=auth)).json()["order"]
    assert shown["status"] == "Untouched"  # not asked to allocate
    r = await client.put(url, json={"allocate": "true"}, headers=auth)
    assert r.status_code == 200, r.text
    allocated = r.json()["order"]
    assert allocated["status"] == "Is Allocated"
    assert allocated["incompleteAllocations"] == 1
    assert allocated["order_lines"][0]["quantityRequested"] == 3.0
    assert (await stock(client, auth, "S106"))["pickQuantity"] == 3.0
    await advance(client, admin, 5)
    done = (await client.get(url, headers=auth)).json()["order"]
    assert done["status"] == "Processed"
    line = done["order_lines"][0]
    assert (line["quantityConfirmed"], line["quantityDeviated"]) == (3.0, 2.0)
    material = await stock(client, auth, "S106")
    assert (material["currentQuantity"], material["pickQuantity"]) == (0.0, 0.0)


async def test_deallocating_returns_the_reservation(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    body = {
        "name": "PICK-2",
        "allocate": True,
        "order_lines": [{"materialName": "S101", "quantity": 10}],
    }
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    await advance(client, admin, 2)
    assert (await stock(client, auth, "S101"))["pickQuantity"] == 10.0
    # The seed's own update example: allocate sent as the string "false".
    r = await client.put(
        f"/orders/{order['id']}", json={"allocate": "false", "handlingUnit": "Box 1"}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["order"]["status"] == "Ready for Allocation"
    assert r.json()["order"]["handlingUnit"] == "Box 1"
    assert (await stock(client, auth, "S101"))["pickQuantity"] == 0.0
    await advance(client, admin, 60)
    assert (await client.get(f"/api/orders/{order['id']}", headers=auth)).json()["order"][
        "status"
    ] == "Ready for Allocation"


async def test_operator_confirms_lines_by_hand(
    client: httpx.AsyncClient, admin: dict[str, str], sqlite_url: str
) -> None:
    from pickbay.app import create_app
    from pickbay.runtime import Runtime
    from tests.conftest import paused_clock, settings_for

    rt = Runtime(settings_for(sqlite_url + "x", itempath_auto_process=False), clock=paused_clock())
    app = create_app(runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            token = (await login(c)).json()["accessToken"]
            auth = {"Authorization": f"Bearer {token}"}
            body = {
                "name": "HAND",
                "allocate": True,
                "order_lines": [
                    {"materialName": "S102", "quantity": 4},
                    {"materialName": "S105", "quantity": 2},
                ],
            }
            order = (await c.post("/api/orders", json=body, headers=auth)).json()["order"]
            await advance(c, admin, 600)
            url = f"/pickbay/v1/itempath/orders/{order['id']}/lines"
            r = await c.post(f"{url}/1/confirm", json={"quantity": 3}, headers=admin)
            assert r.status_code == 200, r.text
            assert r.json()["order"]["status"] == "In Process"
            again = await c.post(f"{url}/1/confirm", json={}, headers=admin)
            assert again.status_code == 400
            too_many = await c.post(f"{url}/2/confirm", json={"quantity": 9}, headers=admin)
            assert too_many.status_code == 400
            r = await c.post(f"{url}/2/confirm", headers=admin)
            assert r.json()["order"]["status"] == "Processed"
            lines = r.json()["order"]["order_lines"]
            assert [(x["quantityConfirmed"], x["quantityDeviated"]) for x in lines] == [
                (3.0, 1.0),
                (2.0, 0.0),
            ]
            assert (await stock(c, auth, "S102"))["currentQuantity"] == 797.0


async def test_order_lines_and_materials_endpoints(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.post(
        "/api/materials", json={"name": "NEW-1", "Description": "Widget"}, headers=auth
    )
    assert r.status_code == 200, r.text
    material = r.json()["material"]
    assert (material["currentQuantity"], material["Description"]) == (0.0, "Widget")
    body = {
        "name": "L-1",
        "directionType": 1,
        "order_lines": [{"materialName": "NEW-1", "quantity": 2}],
    }
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    r = await client.post(
        "/api/order_lines",
        json={"orderId": order["id"], "materialId": S103, "quantity": 1, "lot": "L7"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    added = r.json()["order_line"]
    assert (added["number"], added["lot"], added["orderId"]) == (2, "L7", order["id"])
    listed = await client.get(
        f"/api/order_lines?orderId={order['id']}&orderBy=-number", headers=auth
    )
    assert [x["number"] for x in listed.json()["order_lines"]] == [2, 1]
    assert listed.json()["order_lines"][0]["status"] == "queued"
    one = await client.get(f"/api/order_lines/{added['id']}", headers=auth)
    assert one.json()["order_line"] == added
    count = await client.get("/api/materials?name=[like]new&countOnly=true", headers=auth)
    assert count.json() == {"count": 1}
    in_use = await client.delete(f"/api/materials/{material['id']}", headers=auth)
    assert in_use.status_code == 422
    r = await client.delete(f"/api/orders/{order['id']}/delete", headers=auth)
    assert r.json() == {"deleted": "true"}
    assert (await client.get(f"/api/orders/{order['id']}", headers=auth)).status_code == 404
    assert (await client.delete(f"/api/materials/{material['id']}", headers=auth)).json() == {
        "deleted": "true"
    }


async def test_dynamic_fields_are_stored_shown_and_filtered(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    lines = [{"materialName": "S101", "quantity": 1}]
    for name, note in (("D-1", "fragile"), ("D-2", "heavy")):
        body = {"name": name, "ORDERNOTE": note, "CUSTOMER": name.lower(), "order_lines": lines}
        r = await client.post("/api/orders", json=body, headers=auth)
        assert r.json()["order"]["ORDERNOTE"] == note
        assert r.json()["order"]["CUSTOMER"] == name.lower()
    r = await client.get("/api/orders?ORDERNOTE=[like]FRAG", headers=auth)
    assert [o["name"] for o in r.json()["orders"]] == ["D-1"]
    r = await client.get("/api/orders?CUSTOMER=[not]d-1", headers=auth)
    assert [o["name"] for o in r.json()["orders"]] == ["D-2"]
    r = await client.get("/api/orders?ORDERFACILITY=null&countOnly=true", headers=auth)
    assert r.json() == {"count": 2}
    r = await client.get("/api/orders?CUSTOMR=d-1", headers=auth)
    assert r.status_code == 400
    assert r.json() == {"errors": [{"CUSTOMR": {"message": "Unknown argument 'CUSTOMR'."}}]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_lines": [{"materialName": "S101", "quantity": 1}]}, "name"),
        ({"name": "X"}, "order_lines"),
        ({"name": "X", "order_lines": []}, "order_lines"),
        ({"name": "x" * 51, "order_lines": [{"materialName": "S101", "quantity": 1}]}, "name"),
        (
            {
                "name": "X",
                "directionType": 6,
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "directionType",
        ),
        (
            {
                "name": "X",
                "directionType": "sideways",
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "directionType",
        ),
        (
            {"name": "X", "priority": 5, "order_lines": [{"materialName": "S101", "quantity": 1}]},
            "priority",
        ),
        (
            {
                "name": "X",
                "Info1": "i" * 81,
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "Info1",
        ),
        (
            {
                "name": "X",
                "CUSTOM": "c" * 2000,
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "CUSTOM",
        ),
        (
            {"name": "X", "CUSTOM": 5, "order_lines": [{"materialName": "S101", "quantity": 1}]},
            "CUSTOM",
        ),
        (
            {
                "name": "X",
                "warehouseName": "W",
                "warehouseId": "x",
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "warehouseId",
        ),
        (
            {
                "name": "X",
                "warehouseName": "Elsewhere",
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "warehouseName",
        ),
        (
            {
                "name": "X",
                "deadline": "soon",
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "deadline",
        ),
        (
            {
                "name": "X",
                "zones": [{"colour": "red"}],
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "zones",
        ),
        (
            {
                "name": "X",
                "allocate": "maybe",
                "order_lines": [{"materialName": "S101", "quantity": 1}],
            },
            "allocate",
        ),
        ({"name": "X", "order_lines": [{"materialName": "S101"}]}, "order_lines[0].quantity"),
        (
            {"name": "X", "order_lines": [{"materialName": "S101", "quantity": -1}]},
            "order_lines[0].quantity",
        ),
        ({"name": "X", "order_lines": [{"quantity": 1}]}, "order_lines[0].materialId"),
        ({"name": "X", "order_lines": [{"materialName": "NOPE", "quantity": 1}]}, "order_lines"),
        ({"name": "X", "order_lines": ["S101"]}, "order_lines[0]"),
        ([1, 2], "order"),
    ],
)
async def test_bad_orders_get_400_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], body: Any, field: str
) -> None:
    r = await client.post("/api/orders", json=body, headers=auth)
    assert r.status_code == 400, r.text
    assert field in {k for e in r.json()["errors"] for k in e}
    assert (await client.get("/api/orders?countOnly=true", headers=auth)).json() == {"count": 0}


async def test_no_lines_and_duplicates_read_as_the_vendor_writes_them(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.post("/api/orders", json={"name": "X", "order_lines": []}, headers=auth)
    assert r.json() == {
        "errors": [{"order_lines": {"message": "Order must have at least one order line."}}]
    }
    body = {"name": "DUP", "order_lines": [{"materialName": "S101", "quantity": 1}]}
    assert (await client.post("/api/orders", json=body, headers=auth)).status_code == 200
    r = await client.post("/api/orders", json=body, headers=auth)
    assert r.status_code == 422
    assert r.json() == {"errors": [{"name": {"message": "Order with name 'DUP' already exists."}}]}
    other = {"name": "OTHER", "order_lines": [{"materialName": "S101", "quantity": 1}]}
    made = (await client.post("/api/orders", json=other, headers=auth)).json()["order"]
    r = await client.put(f"/api/orders/{made['id']}", json={"name": "DUP"}, headers=auth)
    assert r.status_code == 422
    assert (await client.get("/api/orders?countOnly=true", headers=auth)).json() == {"count": 2}


@pytest.mark.parametrize(
    "path",
    [
        "/api/orders/NOPE",
        "/api/order_lines/NOPE",
        "/api/materials/NOPE",
    ],
)
async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, auth: dict[str, str], path: str
) -> None:
    r = await client.get(path, headers=auth)
    assert r.status_code == 404
    assert "errors" in r.json()


async def test_unknown_ids_on_update_and_delete_are_404(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    for update in (client.put, client.post):
        r = await update("/api/orders/NOPE", json={"priority": 3}, headers=auth)
        assert r.status_code == 404
    assert (await client.delete("/api/orders/NOPE/delete", headers=auth)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=ten",
        "offset=-1",
        "offset=9223372036854775808",
        "offset=2147483648",
        "name=[or]" + ";".join(f"n{i}" for i in range(5000)),
        "name=[nor]" + ";".join(f"n{i}" for i in range(201)),
        "name=[like]" + "x" * 60_000,
        "name=[notlike]" + "x" * 1001,
        "orderBy=colour",
        "countOnly=perhaps",
        "priority=[gt]high",
        "priority=[like]1",
        "deadline=[gt]someday",
        "name=[between]a;b",
        "name=[or]a;;b",
        "modifiedDate=[lt]null",
        "hasStock=",
    ],
)
async def test_bad_list_arguments_are_400(
    client: httpx.AsyncClient, auth: dict[str, str], query: str
) -> None:
    r = await client.get(f"/api/orders?{query}", headers=auth)
    assert r.status_code == 400, r.text
    assert r.json()["errors"]


async def test_paging_and_sorting(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    for n, priority in enumerate([3, 1, 4, 1, 2]):
        body = {
            "name": f"P-{n}",
            "priority": priority,
            "order_lines": [{"materialName": "S101", "quantity": 1}],
        }
        assert (await client.post("/api/orders", json=body, headers=auth)).status_code == 200
    r = await client.get("/api/orders?orderBy=-priority,name&limit=2&offset=1", headers=auth)
    assert [o["name"] for o in r.json()["orders"]] == ["P-0", "P-4"]
    r = await client.get("/api/orders?priority=[or]1;4&orderBy=name", headers=auth)
    assert [o["name"] for o in r.json()["orders"]] == ["P-1", "P-2", "P-3"]
    r = await client.get(
        "/api/orders?directionType=pick&priority=[gte]3&countOnly=true", headers=auth
    )
    assert r.json() == {"count": 2}
    r = await client.get("/api/orders?modifiedDate=today&countOnly=true", headers=auth)
    assert r.json() == {"count": 5}
    r = await client.get("/api/orders?modifiedDate=yesterday&countOnly=true", headers=auth)
    assert r.json() == {"count": 0}


async def test_login_refresh_and_expiry_follow_the_clock(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    wrong = await login(client, "admin", "nope")
    assert wrong.status_code == 404
    assert (await login(client, "ghost", "admin")).status_code == 404
    tokens = (await login(client)).json()
    assert tokens["login"] is True
    access = {"Authorization": f"Bearer {tokens['accessToken']}"}
    refresh = {"Authorization": f"Bearer {tokens['refreshToken']}"}
    assert (await client.get("/api/orders", headers=access)).status_code == 200

    r = await client.get("/api/orders")
    assert (r.status_code, r.json()) == (401, {"msg": "Missing Authorization Header"})
    r = await client.get("/api/orders", headers=refresh)
    assert (r.status_code, r.json()) == (422, {"msg": "Only non-refresh tokens are allowed"})
    r = await client.get("/api/users/refresh", headers=access)
    assert (r.status_code, r.json()) == (422, {"msg": "Only refresh tokens are allowed"})
    forged = tokens["accessToken"][:-4] + (
        "AAAA" if not tokens["accessToken"].endswith("AAAA") else "BBBB"
    )
    r = await client.get("/api/orders", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 422

    await advance(client, admin, 15 * 60)
    r = await client.get("/api/orders", headers=access)
    assert (r.status_code, r.json()) == (401, {"msg": "Token has expired"})
    renewed = await client.get("/api/users/refresh", headers=refresh)
    assert renewed.status_code == 200
    fresh = {"Authorization": f"Bearer {renewed.json()['accessToken']}"}
    assert (await client.get("/api/orders", headers=fresh)).status_code == 200

    await advance(client, admin, 30 * 86400)
    r = await client.get("/api/users/refresh", headers=refresh)
    assert (r.status_code, r.json()) == (401, {"msg": "Token has expired"})


async def test_users_and_application_tokens_from_the_own_api(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.post(
        "/pickbay/v1/itempath/users", json={"username": "wms", "password": "s3cret"}, headers=admin
    )
    assert r.status_code == 201
    assert (await login(client, "wms", "s3cret")).status_code == 200
    r = await client.post("/pickbay/v1/itempath/users/wms/application-token", headers=admin)
    token = {"Authorization": f"Bearer {r.json()['applicationToken']}"}
    await advance(client, admin, 365 * 86400)
    assert (await client.get("/api/orders", headers=token)).status_code == 200
    r = await client.post("/pickbay/v1/itempath/users/ghost/application-token", headers=admin)
    assert r.status_code == 404


async def test_every_change_is_an_event_in_the_shared_log(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str], app_runtime: Any
) -> None:
    from pickbay.store import events as event_log

    body = {
        "name": "EV",
        "allocate": True,
        "order_lines": [{"materialName": "S101", "quantity": 2}],
    }
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    await advance(client, admin, 10)
    await client.put(f"/api/orders/{order['id']}", json={"Info1": "late note"}, headers=auth)
    async with app_runtime.db.read() as conn:
        logged = await event_log.read(conn, dialect="itempath")
    steps = [(e.type, e.payload.get("status"), e.payload.get("previous")) for e in logged]
    assert steps == [
        ("order.created", "queued", None),
        ("order.status_changed", "Untouched", "queued"),
        ("order.status_changed", "Is Allocated", "Untouched"),
        ("order.status_changed", "In Process", "Is Allocated"),
        ("line.processed", "In Process", None),
        ("order.status_changed", "Processed", "In Process"),
    ]
    assert logged[4].payload["line"]["quantityConfirmed"] == 2.0
    r = await client.put(f"/api/orders/{order['id']}", json={"Info1": "too late"}, headers=auth)
    assert r.status_code == 422


async def test_the_vendors_material_filters_work(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    # /materials?netQuantity=[lt]0 and ?Info1=[like]valve are the vendor's own examples.
    body = {
        "name": "OVER",
        "allocate": True,
        "order_lines": [{"materialName": "S107", "quantity": 2}],
    }
    await client.post("/api/orders", json=body, headers=auth)
    await client.put(
        "/pickbay/v1/itempath/materials/S107/stock", json={"quantity": 2}, headers=admin
    )
    await advance(client, admin, 2)
    await client.put(
        "/pickbay/v1/itempath/materials/S107/stock", json={"quantity": 1}, headers=admin
    )
    r = await client.get("/api/materials?netQuantity=[lt]0", headers=auth)
    assert [(m["name"], m["netQuantity"]) for m in r.json()["materials"]] == [("S107", -1.0)]
    await client.post("/api/materials/S103", json={"Info1": "Brass valve"}, headers=auth)
    r = await client.get("/api/materials?Info1=[like]valve&orderBy=-currentQuantity", headers=auth)
    assert [m["name"] for m in r.json()["materials"]] == ["S103"]
    r = await client.get("/api/materials?orderBy=-netQuantity&limit=2", headers=auth)
    assert [m["name"] for m in r.json()["materials"]] == ["S105", "S102"]


async def test_an_update_writes_only_what_it_changes(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = {
        "name": "U-1",
        "ORDERNOTE": "first",
        "CUSTOMER": "acme",
        "order_lines": [{"materialName": "S101", "quantity": 1, "lot": "L1"}],
    }
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    r = await client.put(f"/api/orders/{order['id']}", json={"ORDERNOTE": "second"}, headers=auth)
    changed = r.json()["order"]
    assert (changed["ORDERNOTE"], changed["CUSTOMER"]) == ("second", "acme")
    assert changed["order_lines"] == order["order_lines"]
    shown = (await client.get(f"/api/orders/{order['id']}", headers=auth)).json()["order"]
    assert shown == changed
    r = await client.get("/api/orders?ORDERNOTE=first&countOnly=true", headers=auth)
    assert r.json() == {"count": 0}
    # the vendor's resource pattern updates with POST /api/<resource>/<id> as well
    r = await client.post(f"/api/orders/{order['id']}", json={"ORDERNOTE": "third"}, headers=auth)
    assert r.status_code == 200
    assert r.json()["order"] == {**changed, "ORDERNOTE": "third", "modifiedDate": ANY}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
async def test_a_body_that_is_not_json_is_415(
    client: httpx.AsyncClient, auth: dict[str, str], content_type: str | None
) -> None:
    headers = {**auth, **({"Content-Type": content_type} if content_type else {})}
    r = await client.post("/api/orders", content=json.dumps(SEED_PUT), headers=headers)
    assert r.status_code == 415, r.text
    (error,) = r.json()["errors"]
    assert "Content-Type was not 'application/json'" in error["request"]["message"]
    listed = await client.get("/api/orders", headers=auth)
    assert listed.json()["orders"] == []


async def test_a_number_in_a_text_field_is_its_text_up_to_a_bound(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    made = await client.post(
        "/api/materials", json={"name": "NUM-1", "Info1": 123, "Info2": 2.5}, headers=auth
    )
    assert made.status_code == 200
    assert (made.json()["material"]["Info1"], made.json()["material"]["Info2"]) == ("123", "2.5")
    # By value, as the API document states it: 1e20 and 100000000000000000000 alike.
    for huge in ("1e20", "100000000000000000000"):
        body = b'{"name": "NUM-2", "Info1": ' + huge.encode() + b"}"
        r = await client.post(
            "/api/materials", content=body, headers={**auth, "content-type": "application/json"}
        )
        assert r.status_code == 400, huge
        assert "Info1" in r.json()["errors"][0]


async def test_each_confirmed_line_is_a_transaction_a_host_marks_exported(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    lines = [
        {"materialName": "S101", "quantity": 2, "lot": "L-7"},
        {"materialName": "S106", "quantity": 5},  # 3 on hand: picked short
    ]
    body = {"name": "PICK-T", "directionType": "Pick", "allocate": True, "order_lines": lines}
    order = (await client.post("/api/orders", json=body, headers=auth)).json()["order"]
    r = await client.get("/api/transactions?countOnly=true", headers=auth)
    assert r.json() == {"count": 0}  # nothing is done yet
    await advance(client, admin, 2 + 5 + 5)
    r = await client.get("/api/transactions", headers=auth)
    assert r.status_code == 200, r.text
    rows = r.json()["transactions"]
    assert list(rows[0]) == list(TRANSACTION_KEYS)
    assert [(t["orderLineNumber"], t["materialName"]) for t in rows] == [(1, "S101"), (2, "S106")]
    first, second = rows
    assert (first["type"], first["motiveType"], first["exportStateType"]) == (4, 0, 2)
    assert (first["quantity"], first["quantityConfirmed"], first["quantityDeviated"]) == (
        2.0,
        2.0,
        0.0,
    )
    assert (first["lot"], first["orderId"], first["orderName"]) == ("L-7", order["id"], "PICK-T")
    assert (first["storageUnitName"], first["warehouseName"]) == ("VLM-01", "Warehouse")
    assert first["orderLineId"] == order["order_lines"][0]["id"]
    assert first["creationDate"] == "2030-01-15T09:00:07.000000"
    assert (second["motiveType"], second["quantityConfirmed"], second["quantityDeviated"]) == (
        2,
        3.0,
        2.0,
    )  # Shortage
    # The vendor's own filters: ready to export, order picks, deleted orders left out.
    for query, count in (
        ("exportStateType=2", 2),
        ("type=4", 2),
        ("type=3", 0),
        ("motiveType=[not]5", 2),
        ("motiveType=2", 1),
        ("creationDate=[gt]2030-01-15&creationDate=[lt]2030-01-16", 2),
        ("creationDate=[gt]2030-01-15T09:00:07.000000", 1),
        ("orderName=PICK-T&materialName=S106", 1),
    ):
        r = await client.get(f"/api/transactions?{query}&countOnly=true", headers=auth)
        assert r.json() == {"count": count}, query
    # The host exports the first row and marks it so (POST, or PUT as the course shows it).
    url = f"/api/transactions/{first['id']}"
    r = await client.post(url, json={"exportStateType": 4}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["transaction"] == {**first, "exportStateType": 4}
    assert (await client.get(url, headers=auth)).json()["transaction"]["exportStateType"] == 4
    r = await client.get("/api/transactions?exportStateType=2", headers=auth)
    assert [t["id"] for t in r.json()["transactions"]] == [second["id"]]
    r = await client.put(f"/api/transactions/{second['id']}", json={"exportStateType": "4"})
    assert r.status_code == 401
    r = await client.put(
        f"/api/transactions/{second['id']}", json={"exportStateType": "4"}, headers=auth
    )
    assert r.json()["transaction"]["exportStateType"] == 4


@pytest.mark.parametrize(
    "change",
    [
        {"exportStateType": 7},
        {"exportStateType": -1},
        {"exportStateType": True},
        {"exportStateType": "four"},
        {"exportStateType": 4.0},
        {},
        {"exportStateType": 4, "quantity": 9},
        [],
    ],
)
async def test_a_bad_transaction_update_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str], change: Any
) -> None:
    body = {"name": "P", "allocate": True, "order_lines": [{"materialName": "S101", "quantity": 1}]}
    await client.post("/api/orders", json=body, headers=auth)
    await advance(client, admin, 7)
    (row,) = (await client.get("/api/transactions", headers=auth)).json()["transactions"]
    r = await client.post(f"/api/transactions/{row['id']}", json=change, headers=auth)
    assert r.status_code == 400, r.text
    assert "errors" in r.json()
    shown = await client.get(f"/api/transactions/{row['id']}", headers=auth)
    assert shown.json()["transaction"] == row
    r = await client.post("/api/transactions/NOPE", json={"exportStateType": 4}, headers=auth)
    assert r.status_code == 404
    assert (await client.get("/api/transactions/NOPE", headers=auth)).status_code == 404


async def test_deleting_an_order_the_lift_holds_records_its_open_lines_deleted(
    client: httpx.AsyncClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    lines = [{"materialName": "S101", "quantity": 1}, {"materialName": "S102", "quantity": 4}]
    held = {"name": "HELD", "allocate": True, "order_lines": lines}
    queued = {"name": "QUEUED", "order_lines": lines}
    held_id = (await client.post("/api/orders", json=held, headers=auth)).json()["order"]["id"]
    await advance(client, admin, 2 + 5)  # imported, first line confirmed
    queued_id = (await client.post("/api/orders", json=queued, headers=auth)).json()["order"]["id"]
    for order_id in (held_id, queued_id):  # the second was never imported: no history
        r = await client.delete(f"/api/orders/{order_id}/delete", headers=auth)
        assert r.status_code == 200
    rows = (await client.get("/api/transactions", headers=auth)).json()["transactions"]
    assert [(t["orderName"], t["type"], t["motiveType"], t["materialName"]) for t in rows] == [
        ("HELD", 4, 0, "S101"),  # an order is a pick unless it says otherwise
        ("HELD", 11, 5, "S102"),
    ]
    assert rows[1]["quantityConfirmed"] == 0.0
    r = await client.get("/api/transactions?motiveType=[not]5", headers=auth)
    assert [t["materialName"] for t in r.json()["transactions"]] == ["S101"]


async def test_the_storage_units_are_the_lift_module_the_orders_name(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    r = await client.get("/api/storage_units", headers=auth)
    assert r.status_code == 200
    (unit,) = r.json()["storage_units"]
    assert list(unit) == [  # the order of the vendor's reference page
        "name",
        "id",
        "depthSteps",
        "description",
        "grossDepth",
        "grossWidth",
        "isManualSequenceNumbers",
        "maxWeight",
        "netDepth",
        "netWidth",
        "type",
        "warehouseId",
        "widthSteps",
    ]
    assert (unit["name"], unit["id"], unit["type"]) == (STORAGE_UNIT["name"], STORAGE_UNIT["id"], 5)
    assert unit["warehouseId"] == WAREHOUSE_ID
    shown = await client.get(f"/api/storage_units/{unit['id'].lower()}", headers=auth)
    assert shown.json() == {"storage_unit": unit}
    for query, answer in (
        ("type=1", {"storage_units": []}),
        ("type=[or]1;5&countOnly=true", {"count": 1}),
        ("name=[like]vlm&countOnly=true", {"count": 1}),
        (f"warehouseId={WAREHOUSE_ID}&countOnly=true", {"count": 1}),
    ):
        assert (await client.get(f"/api/storage_units?{query}", headers=auth)).json() == answer
    for path, status in (
        ("/api/storage_units?type=five", 400),
        ("/api/storage_units?shelf=1", 400),
        ("/api/storage_units/NOPE", 404),
    ):
        r = await client.get(path, headers=auth)
        assert r.status_code == status, path
        assert "errors" in r.json()
    assert (await client.get("/api/storage_units")).status_code == 401
