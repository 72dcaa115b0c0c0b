"""Bodies of pickbay's own API are read as their documents state them: no coercion."""

from __future__ import annotations

import httpx
import pytest

STOCK = "/pickbay/v1/greymatter/stock"
AUTH = {"Authorization": "Bearer dev"}


@pytest.mark.parametrize("quantity", [False, True, "5", 5.5])
async def test_a_number_field_refuses_other_json_types_and_changes_nothing(
    client: httpx.AsyncClient, quantity: object
) -> None:
    before = (await client.get(STOCK, headers=AUTH)).json()
    body = {"attributes": {"product_sku": "B-1"}, "quantity": quantity}
    r = await client.put(STOCK, json=body, headers=AUTH)
    assert r.status_code == 400, r.text
    assert list(r.json()["error"]["errors"]) == ["quantity"]
    assert (await client.get(STOCK, headers=AUTH)).json() == before


async def test_a_whole_number_is_taken(client: httpx.AsyncClient) -> None:
    body = {"attributes": {"product_sku": "B-1"}, "quantity": 5}
    r = await client.put(STOCK, json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["stock"]["quantity"] == 5
