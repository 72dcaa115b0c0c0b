"""The board: every dialect's orders in one list, filtered and paged, and one order in full."""

from __future__ import annotations

import httpx

from tests.api.mixed import one_of_each

ORDERS = "/pickbay/v1/orders"


async def test_the_board_lists_every_dialect_newest_first(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await one_of_each(client)
    r = await client.get(ORDERS, headers=admin)
    assert r.status_code == 200
    body = r.json()
    rows = body["orders"]
    assert [(o["dialect"], o["tenant"], o["number"], o["state"]) for o in rows] == [
        ("greymatter", "default", "A-1", "created"),
        ("itempath", "default", "A-1", "queued"),
        ("pickup_cloud", "dev", "A-1", "READYFORINPUT"),
    ]
    assert [o["kind"] for o in rows] == ["pick", "put", "one-time"]
    assert body["next"] is None
    assert body["seq"] >= 0


async def test_filters_narrow_by_dialect_tenant_and_state(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await one_of_each(client)

    async def numbers(**params: str) -> list[str]:
        r = await client.get(ORDERS, params=params, headers=admin)
        assert r.status_code == 200, r.text
        return [o["dialect"] for o in r.json()["orders"]]

    assert await numbers(dialect="itempath") == ["itempath"]
    assert await numbers(tenant="dev") == ["pickup_cloud"]
    assert await numbers(state="created") == ["greymatter"]
    assert await numbers(dialect="pickup_cloud", state="PICKEDUP") == []
    r = await client.get(ORDERS, params={"dialect": "sap"}, headers=admin)
    assert r.status_code == 400
    assert "dialect" in r.json()["error"]["errors"]


async def test_pages_follow_next_and_ids_refresh_rows(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for n in range(5):
        await one_of_each(client, f"P-{n}")
    seen: list[int] = []
    params: dict[str, str | int] = {"limit": 4}
    while True:
        body = (await client.get(ORDERS, params=params, headers=admin)).json()
        seen += [o["id"] for o in body["orders"]]
        if body["next"] is None:
            break
        params["before"] = body["next"]
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 15
    r = await client.get(ORDERS, params=[("id", seen[0]), ("id", seen[-1])], headers=admin)
    assert [o["id"] for o in r.json()["orders"]] == [seen[0], seen[-1]]


async def test_facets_name_each_dialects_tenants_and_states(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.get(ORDERS + "/facets", headers=admin)
    assert r.status_code == 200
    dialects = r.json()["dialects"]
    assert list(dialects) == ["pickup_cloud", "itempath", "greymatter"]
    assert dialects["pickup_cloud"]["tenants"] == ["dev"]
    assert "READYFORPICKUP" in dialects["pickup_cloud"]["states"]
    assert "Is Allocated" in dialects["itempath"]["states"]
    assert "cancellation_locked" in dialects["greymatter"]["states"]


async def test_each_vendor_serves_its_part_of_the_console(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    dialects = (await client.get(ORDERS + "/facets", headers=admin)).json()["dialects"]
    for name, d in dialects.items():
        assert d["console"] == f"/console/vendors/{name}.js"
        r = await client.get(d["console"])
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/javascript")
        assert 'from "/console/console.js"' in r.text
    assert (await client.get("/console/vendors/nobody.js")).status_code == 404


async def test_one_order_in_full_for_each_dialect(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    made = await one_of_each(client)
    rows = (await client.get(ORDERS, headers=admin)).json()["orders"]
    ids = {o["dialect"]: o["id"] for o in rows}

    pickup = (await client.get(f"{ORDERS}/{ids['pickup_cloud']}", headers=admin)).json()
    assert pickup["order"]["number"] == "A-1"
    assert pickup["codes"] == {
        "pickup": made["pickup"]["pickupCode"],
        "storage": made["pickup"]["storageCode"],
    }
    assert pickup["triggers"] == ["complete input", "cancel"]
    assert pickup["lines"][0]["sku"] == "5948912001188"
    assert (pickup["lines"][0]["quantity"], pickup["lines"][0]["done"]) == (2, 0)
    assert pickup["native"]["orderNumber"] == "A-1"

    lift = (await client.get(f"{ORDERS}/{ids['itempath']}", headers=admin)).json()
    assert lift["triggers"] == ["import"]
    assert [x["key"] for x in lift["lines"]] == ["1", "2", "3", "4"]
    assert lift["native"]["id"] == made["itempath"]["order"]["id"]

    gm = (await client.get(f"{ORDERS}/{ids['greymatter']}", headers=admin)).json()
    assert gm["triggers"] == ["block", "refuse", "cancel", "modify"]
    assert gm["lines"] == [
        {
            "key": "line-1",
            "sku": "product_sku = 'MM00001'",
            "name": "",
            "quantity": 2,
            "done": 0,
            "short": 0,
            "state": "CREATED",
        }
    ]
    assert gm["native"]["id"] == made["greymatter"]["id"]


async def test_unknown_orders_are_404_and_the_board_needs_the_admin_token(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.get(f"{ORDERS}/999", headers=admin)
    assert r.status_code == 404
    assert r.json()["error"]["detail"] == "No order with id 999."
    assert (await client.get(ORDERS)).status_code == 401
    assert (await client.get(ORDERS, headers={"x-api-key": "dev"})).status_code == 401


async def test_ids_beyond_what_a_column_holds_are_400_not_a_crash(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    huge = str(2**63)
    for method, path in [
        ("GET", f"{ORDERS}/{huge}"),
        ("GET", f"{ORDERS}?before={huge}"),
        ("GET", f"{ORDERS}?id={huge}"),
        ("GET", f"/pickbay/v1/events?since={huge}"),
        ("GET", f"/pickbay/v1/events?order={huge}"),
        ("GET", f"/pickbay/v1/webhooks/{huge}"),
        ("POST", f"/pickbay/v1/greymatter/service-requests/{huge}/check"),
    ]:
        r = await client.request(method, path, headers=admin)
        assert r.status_code == 400, (path, r.text)
    r = await client.get(f"{ORDERS}/{2**63 - 1}", headers=admin)
    assert r.status_code == 404
