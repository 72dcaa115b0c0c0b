from typing import Any

import httpx
import pytest

Json = dict[str, Any]


async def order(client: httpx.AsyncClient, qty: int = 2) -> Json:
    r = await client.post(
        "/api/v2/orders",
        headers={"x-api-key": "dev"},
        json={
            "orderNumber": "N1",
            "articles": [
                {"scanCode": "A", "quantityOrdered": qty},
                {"scanCode": "B", "quantityOrdered": 1},
            ],
        },
    )
    data: Json = r.json()
    return data


async def test_input_typed_packs_then_pick_up(client: httpx.AsyncClient, admin: Json) -> None:
    created = await order(client)
    pack = {
        "scanCode": "A",
        "batchNumber": "LOT-7",
        "expiryDate": "2031-05-31",
        "expiryDateSource": "ManualEntry",
        "depth": 50,
        "shape": "Cylinder",
        "isInFridge": True,
    }
    r = await client.post(
        "/pickbay/v1/pickup-cloud/input",
        json={"storageCode": created["storageCode"], "packs": [pack]},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    stored = r.json()["articles"][0]["packs"][0]
    assert {k: stored[k] for k in pack} == pack
    assert isinstance(stored["internalId"], int)
    assert r.json()["tenant"] == "dev"
    assert r.json()["state"] == "READYFORINPUT"

    r = await client.post(
        "/pickbay/v1/pickup-cloud/pickup", json={"pickupCode": created["pickupCode"]}, headers=admin
    )
    assert r.status_code == 409

    r = await client.post(
        "/pickbay/v1/pickup-cloud/input",
        json={"storageCode": created["storageCode"]},
        headers=admin,
    )
    assert r.json()["state"] == "READYFORPICKUP"
    r = await client.post(
        "/pickbay/v1/pickup-cloud/pickup", json={"pickupCode": created["pickupCode"]}, headers=admin
    )
    assert r.status_code == 200
    assert len(r.json()["packs"]) == 3
    assert r.json()["order"]["state"] == "PICKEDUP"
    assert all(p["outputDestination"] == 1 for p in r.json()["packs"])


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"packs": [{"scanCode": "Z"}]}, 400),
        ({"packs": [{"scanCode": "A", "shape": "Sphere"}]}, 400),
        ({"packs": [{"scanCode": "A", "expiryDate": "31.05.2031"}]}, 400),
        ({"packs": [{"scanCode": "B"}, {"scanCode": "B"}]}, 409),
        ({"packs": []}, 400),
    ],
)
async def test_bad_input_changes_nothing(
    client: httpx.AsyncClient, admin: Json, payload: Json, status: int
) -> None:
    created = await order(client)
    r = await client.post(
        "/pickbay/v1/pickup-cloud/input",
        json={"storageCode": created["storageCode"], **payload},
        headers=admin,
    )
    assert r.status_code == status, r.text
    after = await client.get(
        f"/pickbay/v1/pickup-cloud/orders/{created['storageCode']}", headers=admin
    )
    assert all(a["packs"] == [] for a in after.json()["articles"])


async def test_unknown_codes_are_404(client: httpx.AsyncClient, admin: Json) -> None:
    for path, payload in [
        ("/pickbay/v1/pickup-cloud/input", {"storageCode": "pickup_0"}),
        ("/pickbay/v1/pickup-cloud/pickup", {"pickupCode": "customer_0"}),
        ("/pickbay/v1/pickup-cloud/cancel", {"code": "customer_0"}),
    ]:
        r = await client.post(path, json=payload, headers=admin)
        assert r.status_code == 404
        assert r.json()["error"]["title"] == "Not Found"


async def test_operator_cancel_by_storage_code(client: httpx.AsyncClient, admin: Json) -> None:
    created = await order(client)
    r = await client.post(
        "/pickbay/v1/pickup-cloud/cancel",
        json={"code": created["storageCode"], "reason": "damaged"},
        headers=admin,
    )
    assert r.json()["state"] == "CANCELED"
    assert r.json()["cancellationReason"] == "damaged"
