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
    for body in ({}, {"tenant": ""}, {"tenant": " padded "}, {"tenant": "x", "extra": 1}):
        r = await client.post("/pickbay/v1/keys", json=body, headers=admin)
        assert r.status_code == 400, body
    assert (await client.post("/pickbay/v1/keys", json={"tenant": "x"})).status_code == 401
