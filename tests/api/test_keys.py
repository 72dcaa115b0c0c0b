"""API keys made through the own API: a new tenant, usable at once, shown only once."""

from __future__ import annotations

import httpx


async def test_a_new_key_makes_a_tenant_that_sees_only_its_orders(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.post("/pickbay/v1/keys", json={"tenant": "my-pharmacy-app"}, headers=admin)
    assert r.status_code == 201
    body = r.json()
    assert body["tenant"] == "my-pharmacy-app"
    assert body["key"].startswith("pk_")
    mine = {"x-api-key": body["key"]}
    assert (await client.get("/api/v2/orders", headers=mine)).status_code == 200
    facets = (await client.get("/pickbay/v1/orders/facets", headers=admin)).json()
    assert facets["dialects"]["pickup_cloud"]["tenants"] == ["dev", "my-pharmacy-app"]


async def test_bad_key_requests_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for body in (
        {},
        {"tenant": ""},
        {"tenant": " padded "},
        {"tenant": "two\nlines"},
        {"tenant": "x", "extra": 1},
        {"tenant": "x", "origin": ""},
        {"tenant": "x", "origin": "o" * 101},
    ):
        r = await client.post("/pickbay/v1/keys", json=body, headers=admin)
        assert r.status_code == 400, body
    assert (await client.post("/pickbay/v1/keys", json={"tenant": "x"})).status_code == 401


async def test_a_key_may_speak_as_an_origin_inside_its_tenant(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.post(
        "/pickbay/v1/keys", json={"tenant": "dev", "origin": "Webshop_A_123"}, headers=admin
    )
    assert r.status_code == 201
    assert r.json()["origin"] == "Webshop_A_123"
    shop = {"x-api-key": r.json()["key"]}
    order = {"orderNumber": "PIS-1", "articles": [{"scanCode": "1", "quantityOrdered": 1}]}
    made = await client.post(
        "/api/v2/orders/on-behalf-of",
        json={**order, "origin": "Webshop_A_123", "originOrderNumber": "W-A-1"},
        headers={"x-api-key": "dev"},
    )
    assert made.status_code == 200, made.text
    seen = await client.get("/api/v2/orders/by-ordernumber/W-A-1", headers=shop)
    assert seen.json()["orderNumber"] == "W-A-1"
    assert seen.json()["pickupCode"] == made.json()["pickupCode"]
    missing = await client.get("/api/v2/orders/by-ordernumber/W-A-1", headers={"x-api-key": "dev"})
    assert missing.status_code == 404
