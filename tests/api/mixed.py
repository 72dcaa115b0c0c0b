"""One order of each dialect, made through the vendors' own APIs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.vendors.greymatter.http.test_routes import AUTH as GREYMATTER
from tests.vendors.greymatter.http.test_routes import BASE as GREYMATTER_BASE
from tests.vendors.greymatter.http.test_routes import pick
from tests.vendors.itempath.http.test_routes import SEED_PUT


async def itempath_auth(client: httpx.AsyncClient) -> dict[str, str]:
    """Headers with an ItemPath access token."""
    r = await client.post("/api/users/login", json={"username": "admin", "password": "admin"})
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


async def one_of_each(client: httpx.AsyncClient, number: str = "A-1") -> dict[str, Any]:
    """A Pickup Cloud order, an ItemPath order and a GreyMatter pick, in that order."""
    r = await client.post(
        "/api/v2/orders",
        headers={"x-api-key": "dev"},
        json={
            "orderNumber": number,
            "articles": [{"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 2}],
        },
    )
    assert r.status_code == 200, r.text
    lift = await client.post(
        "/api/orders", headers=await itempath_auth(client), json={**SEED_PUT, "name": number}
    )
    assert lift.status_code == 200, lift.text
    gm = await client.post(
        GREYMATTER_BASE,
        headers=GREYMATTER,
        json=pick(number, ("line-1", 2, "product_sku = 'MM00001'")),
    )
    assert gm.status_code == 200, gm.text
    return {"pickup": r.json(), "itempath": lift.json(), "greymatter": gm.json()}
