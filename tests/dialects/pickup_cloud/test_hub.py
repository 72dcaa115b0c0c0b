"""The Pickup Cloud hub over a real server, with the official JavaScript SignalR client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.dialects.pickup_cloud.views import net_time
from pickbay.runtime import Runtime
from tests.conftest import T0, paused_clock, settings_for
from tests.signalr.peers import JsClient, serve

HUB = "/hubs/pickup-cloud"
ADMIN = {"Authorization": "Bearer dev"}
NOW = net_time(T0)
METHODS = ["OrderStateChanged", "OrderArticleStateChanged", "OrderArticleWithPackStateChanged"]
PACK_FIELDS = {
    "internalId",
    "deliveryNumber",
    "batchNumber",
    "externalId",
    "serialNumber",
    "expiryDate",
    "expiryDateSource",
    "scanCode",
    "subItemQuantity",
    "depth",
    "width",
    "height",
    "shape",
    "isInFridge",
    "boxNumber",
    "outputDestination",
    "outputPoint",
    "labelStatus",
    "stockLocationId",
    "machineLocation",
}
COMBINATIONS = [
    ("WebSockets", "json"),
    ("WebSockets", "messagepack"),
    ("ServerSentEvents", "json"),
    ("LongPolling", "json"),
    ("LongPolling", "messagepack"),
]


class Site:
    """A running pickbay (SQLite, paused clock) and an HTTP client on it."""

    def __init__(self, rt: Runtime, base: str, http: httpx.AsyncClient) -> None:
        self.rt, self.base, self.http = rt, base, http

    async def create(self, number: str, key: str = "dev", notes: str = "") -> dict[str, Any]:
        r = await self.http.post(
            "/api/v2/orders",
            headers={"x-api-key": key},
            json={
                "orderNumber": number,
                "relatedNotes": notes,
                "articles": [{"scanCode": "4006381333931", "quantityOrdered": 1}],
            },
        )
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    async def admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.http.post("/pickbay/v1" + path, json=body, headers=ADMIN)
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data

    async def client(self, **options: Any) -> JsClient:
        options.setdefault("headers", {"x-api-key": "dev"})
        client = await JsClient.start(url=self.base + HUB, methods=METHODS, **options)
        event = await client.next(lambda e: e["event"] in ("connected", "failed"))
        assert event["event"] == "connected", event
        return client


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    rt = Runtime(settings_for(sqlite_url), clock=paused_clock())
    async with serve(create_app(runtime=rt), lifespan="on") as base:
        async with httpx.AsyncClient(base_url=base, timeout=20) as http:
            yield Site(rt, base, http)


def summary(message: dict[str, Any]) -> tuple[Any, ...]:
    """(target, orderNumber, state) of a received push."""
    target, args = message["target"], message["args"]
    state = args[2] if target == "OrderStateChanged" else args[2]["orderArticleState"]
    return target, args[0], state


@pytest.mark.parametrize(("transport", "protocol"), COMBINATIONS)
async def test_a_key_receives_its_orders_lifecycle(
    site: Site, transport: str, protocol: str
) -> None:
    client = await site.client(transport=transport, protocol=protocol)
    try:
        order = await site.create("N1")
        code = order["pickupCode"]
        created = await client.messages(2)
        assert created[0]["args"] == ["N1", code, "READYFORINPUT", NOW, None]
        assert created[1]["args"] == [
            "N1",
            code,
            {
                "articleId": "4006381333931",
                "requiredQuantity": 1,
                "orderArticleStateChangedDate": NOW,
                "dueDate": None,
                "orderArticleState": "READYFORINPUT",
            },
            None,
        ]
        await site.admin(
            "/pickup-cloud/input",
            {
                "storageCode": order["storageCode"],
                "packs": [{"scanCode": "4006381333931", "batchNumber": "LOT-1"}],
            },
        )
        stored = await client.messages(3)
        assert [summary(m) for m in stored] == [
            ("OrderArticleStateChanged", "N1", "READYFORPICKUP"),
            ("OrderArticleWithPackStateChanged", "N1", "READYFORPICKUP"),
            ("OrderStateChanged", "N1", "READYFORPICKUP"),
        ]
        pack = stored[1]["args"][2]["pack"]
        assert pack["batchNumber"] == "LOT-1"
        assert set(pack) == PACK_FIELDS
        assert stored[1]["args"][3] is None

        await site.admin("/pickup-cloud/pickup", {"pickupCode": code})
        picked = await client.messages(3)
        assert [summary(m) for m in picked] == [
            ("OrderArticleStateChanged", "N1", "PICKEDUP"),
            ("OrderArticleWithPackStateChanged", "N1", "PICKEDUP"),
            ("OrderStateChanged", "N1", "PICKEDUP"),
        ]
        assert picked[1]["args"][2]["pack"]["outputDestination"] is not None
    finally:
        await client.stop()
