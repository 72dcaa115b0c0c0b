"""The Pickup Cloud hub over a real server, with the official JavaScript SignalR client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.runtime import Runtime
from pickbay.signalr.server import SignalRServer
from pickbay.store import events as event_log
from pickbay.vendors.pickup_cloud.http.hub import PickupCloudHub
from pickbay.vendors.pickup_cloud.http.views import net_time
from tests.conftest import T0, paused_clock, settings_for
from tests.signalr import peers
from tests.signalr.peers import ClientProcess, serve, upgrade_status

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

    def __init__(self, rt: Runtime, base: str, http: httpx.AsyncClient, hub: SignalRServer) -> None:
        self.rt, self.base, self.http, self.hub = rt, base, http, hub

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

    async def client(self, **options: Any) -> ClientProcess:
        options.setdefault("headers", {"x-api-key": "dev"})
        client = await ClientProcess.js(url=self.base + HUB, methods=METHODS, **options)
        event = await client.next(lambda e: e["event"] in ("connected", "failed"))
        assert event["event"] == "connected", event
        return client


@pytest.fixture
async def site(sqlite_url: str) -> AsyncIterator[Site]:
    rt = Runtime(settings_for(sqlite_url), clock=paused_clock())
    app = create_app(runtime=rt)
    async with (
        serve(app, lifespan="on") as base,
        httpx.AsyncClient(base_url=base, timeout=20) as http,
    ):
        yield Site(rt, base, http, rt.service(PickupCloudHub).server)


def summary(message: dict[str, Any]) -> tuple[Any, ...]:
    """(target, orderNumber, state) of a received push, in either protocol."""
    target, args = message["target"], message["args"]
    if target == "OrderStateChanged":
        return target, args[0], args[2]
    dto = args[2]
    return target, args[0], dto.get("orderArticleState", dto.get("OrderArticleState"))


def member(name: str, protocol: str) -> str:
    """A DTO member's name in a protocol: camelCase in JSON, the C# name in MessagePack."""
    return name if protocol == "json" else name[0].upper() + name[1:]


def as_dotnet_sends(value: Any, protocol: str) -> Any:
    """A JSON push as ASP.NET Core's MessagePack protocol sends it, as the JS client decodes it.

    Member names keep their C# case (`ArticleId`); a DateTimeOffset is MessagePack-CSharp's
    [timestamp, offset minutes], the timestamp a JavaScript Date.
    """
    if protocol == "json":
        return value
    if isinstance(value, dict):
        return {member(k, protocol): as_dotnet_sends(v, protocol) for k, v in value.items()}
    if isinstance(value, list):
        return [as_dotnet_sends(v, protocol) for v in value]
    if value == NOW:
        return [{"$date": T0.strftime("%Y-%m-%dT%H:%M:%S.000Z")}, 0]
    return value


@pytest.mark.parametrize(("transport", "protocol"), COMBINATIONS)
async def test_a_key_receives_its_orders_lifecycle(
    site: Site, transport: str, protocol: str
) -> None:
    client = await site.client(transport=transport, protocol=protocol)
    try:
        order = await site.create("N1")
        code = order["pickupCode"]
        created = await client.messages(2)
        sent = as_dotnet_sends(["N1", code, "READYFORINPUT", NOW, None], protocol)
        assert created[0]["args"] == sent
        dto = {
            "articleId": "4006381333931",
            "requiredQuantity": 1,
            "orderArticleStateChangedDate": NOW,
            "dueDate": None,
            "orderArticleState": "READYFORINPUT",
        }
        assert created[1]["args"] == as_dotnet_sends(["N1", code, dto, None], protocol)
        assert list(created[1]["args"][2]) == list(as_dotnet_sends(dto, protocol))
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
        with_pack = stored[1]["args"][2]
        # the seed's order of members: the pack before the state
        order = ["articleId", "requiredQuantity", "orderArticleStateChangedDate", "dueDate"]
        order += ["pack", "orderArticleState"]
        assert list(with_pack) == [member(name, protocol) for name in order]
        pack = with_pack[member("pack", protocol)]
        assert set(pack) == {member(name, protocol) for name in PACK_FIELDS}
        assert pack[member("batchNumber", protocol)] == "LOT-1"
        assert stored[1]["args"][3] is None

        await site.admin("/pickup-cloud/pickup", {"pickupCode": code})
        picked = await client.messages(3)
        assert [summary(m) for m in picked] == [
            ("OrderArticleStateChanged", "N1", "PICKEDUP"),
            ("OrderArticleWithPackStateChanged", "N1", "PICKEDUP"),
            ("OrderStateChanged", "N1", "PICKEDUP"),
        ]
        picked_pack = picked[1]["args"][2][member("pack", protocol)]
        assert picked_pack[member("outputDestination", protocol)] is not None
    finally:
        await client.stop()


async def test_a_key_receives_nothing_of_another_keys_orders(site: Site) -> None:
    other = await site.rt.tenancy.create_key("other-pharmacy")
    mine = await site.client()
    theirs = await site.client(headers={"x-api-key": other})
    try:
        await site.create("THEIRS", key=other)
        await site.create("MINE")
        assert {summary(m)[1] for m in await mine.messages(2)} == {"MINE"}
        assert {summary(m)[1] for m in await theirs.messages(2)} == {"THEIRS"}
        # Both saw their second push only after the other's first: nothing leaked in between.
        assert all(m["args"][0] == "MINE" for m in mine.events if m["event"] == "message")
        assert all(m["args"][0] == "THEIRS" for m in theirs.events if m["event"] == "message")
    finally:
        await mine.stop()
        await theirs.stop()


@pytest.mark.parametrize(
    "options",
    [
        {"headers": {}},
        {"headers": {"x-api-key": "nope"}},
        {"headers": {}, "accessToken": "nope"},
        {"headers": {}, "skipNegotiation": True},
    ],
)
async def test_a_missing_or_wrong_key_is_refused(site: Site, options: dict[str, Any]) -> None:
    client = await ClientProcess.js(url=site.base + HUB, methods=METHODS, **options)
    try:
        event = await client.next(lambda e: e["event"] in ("connected", "failed"))
    finally:
        await client.stop()
    assert event["event"] == "failed"
    if not options.get("skipNegotiation"):
        assert "401" in event["error"]
    # What the client saw as a failed upgrade is a 401 on the wire.
    assert await upgrade_status(site.base + HUB) == 401


@pytest.mark.parametrize("transport", ["WebSockets", "ServerSentEvents", "LongPolling"])
async def test_the_key_as_access_token(site: Site, transport: str) -> None:
    client = await site.client(headers={}, accessToken="dev", transport=transport)
    try:
        await site.create("TOKEN")
        assert summary((await client.messages(1))[0])[1] == "TOKEN"
    finally:
        await client.stop()


async def test_skip_negotiation_with_the_key_header(site: Site) -> None:
    client = await site.client(skipNegotiation=True)
    try:
        await site.create("SKIP")
        assert summary((await client.messages(1))[0])[1] == "SKIP"
    finally:
        await client.stop()


async def test_demo_script_steps_and_cancel_are_pushed_as_the_clock_runs(site: Site) -> None:
    client = await site.client()
    try:
        order = await site.create("SCRIPT", notes="$input-30")
        await client.messages(2)
        await site.admin("/clock/advance", {"seconds": 30})
        stored = await client.messages(3)
        assert [summary(m) for m in stored] == [
            ("OrderArticleStateChanged", "SCRIPT", "READYFORPICKUP"),
            ("OrderArticleWithPackStateChanged", "SCRIPT", "READYFORPICKUP"),
            ("OrderStateChanged", "SCRIPT", "READYFORPICKUP"),
        ]
        assert stored[2]["args"][3] == net_time(T0 + timedelta(seconds=30))
        r = await site.http.post(
            "/api/v2/orders/by-ordernumber/SCRIPT/cancel",
            headers={"x-api-key": "dev"},
            json={"cancellationReason": "changed my mind"},
        )
        assert r.status_code == 200, r.text
        canceled = await client.messages(2)
        assert {summary(m)[2] for m in canceled} == {"CANCELED"}
        assert order["pickupCode"] == canceled[0]["args"][1]
    finally:
        await client.stop()


async def test_since_replays_what_a_client_missed_then_goes_live(site: Site) -> None:
    async with site.rt.db.read() as conn:
        before = await event_log.last_seq(conn)
    await site.create("OFFLINE-1")
    await site.create("OFFLINE-2")
    client = await ClientProcess.js(
        url=f"{site.base}{HUB}?since={before}",
        headers={"x-api-key": "dev"},
        methods=METHODS,
    )
    try:
        replayed = await client.messages(4)
        assert [summary(m)[1] for m in replayed] == ["OFFLINE-1"] * 2 + ["OFFLINE-2"] * 2
        await site.create("LIVE")
        assert {summary(m)[1] for m in await client.messages(2)} == {"LIVE"}
    finally:
        await client.stop()


async def test_pysignalr_receives_the_pushes(site: Site) -> None:
    from pysignalr.client import SignalRClient

    received: asyncio.Queue[tuple[str, list[Any]]] = asyncio.Queue()
    opened = asyncio.Event()
    client = SignalRClient(site.base + HUB, headers={"x-api-key": "dev"})
    for method in METHODS:

        async def on(args: list[Any], method: str = method) -> None:
            await received.put((method, args))

        client.on(method, on)

    async def on_open() -> None:
        opened.set()

    client.on_open(on_open)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(opened.wait(), timeout=20)
        await site.create("PY")
        first = await asyncio.wait_for(received.get(), timeout=20)
        second = await asyncio.wait_for(received.get(), timeout=20)
        assert first == ("OrderStateChanged", ["PY", first[1][1], "READYFORINPUT", NOW, None])
        assert second[0] == "OrderArticleStateChanged"
        assert second[1][2]["orderArticleState"] == "READYFORINPUT"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.parametrize("transport", ["WebSockets", "LongPolling", "ServerSentEvents"])
async def test_signalrcore_receives_the_pushes(site: Site, transport: str) -> None:
    options = {
        "url": site.base + HUB,
        "transport": transport,
        "headers": {"x-api-key": "dev"},
        "methods": METHODS,
    }
    client = ClientProcess(
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(peers.__file__).parent / "signalrcore_client.py"),
            json.dumps(options),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
    )
    try:
        await client.event("connected")
        await site.create("CORE")
        first = await client.event("message")
        assert first["target"] == "OrderStateChanged"
        assert first["args"] == ["CORE", first["args"][1], "READYFORINPUT", NOW, None]
        if transport != "LongPolling":
            # signalrcore's long polling handles one message per poll response and keeps
            # the rest until the next response (a keep-alive ping, 15 s later), as it
            # would with ASP.NET Core, which also batches.
            second = await client.event("message")
            assert second["target"] == "OrderArticleStateChanged"
    finally:
        assert client.proc.stdin is not None
        client.proc.stdin.write(b"stop\n")
        await client.proc.stdin.drain()
        await asyncio.wait_for(client.proc.wait(), timeout=20)


async def test_a_drop_fault_drops_the_connections_and_the_client_reconnects(site: Site) -> None:
    client = await site.client(reconnect=True)
    other = await site.rt.tenancy.create_key("other")
    bystander = await site.client(headers={"x-api-key": other})
    try:
        spec = {"vendor": "pickup_cloud", "drop": True, "tenant": "dev"}
        r = await site.http.post("/pickbay/v1/faults", json=spec, headers=ADMIN)
        assert r.status_code == 201, r.text
        await client.event("reconnecting")
        await client.event("reconnected")
        shown = (await site.http.get(f"/pickbay/v1/faults/{r.json()['id']}", headers=ADMIN)).json()
        assert shown["fired"] == 1  # the other tenant's connection stayed
        await site.create("AFTER")
        (pushed,) = await client.messages(1)
        assert pushed["args"][0] == "AFTER"
        assert not [e for e in bystander.events if e["event"] in ("closed", "reconnecting")]
    finally:
        await client.stop()
        await bystander.stop()


async def test_a_push_delay_holds_a_tenants_pushes_and_what_follows_keeps_its_order(
    site: Site,
) -> None:
    client = await site.client()
    other = await site.rt.tenancy.create_key("other")
    bystander = await site.client(headers={"x-api-key": other})
    try:
        spec = {"vendor": "pickup_cloud", "pushDelayMs": 400, "tenant": "dev"}
        r = await site.http.post("/pickbay/v1/faults", json=spec, headers=ADMIN)
        assert r.status_code == 201, r.text
        fault = f"/pickbay/v1/faults/{r.json()['id']}"
        started = asyncio.get_running_loop().time()
        await site.create("LATE-1")
        await site.create("LATE-2")
        await site.create("ELSEWHERE", key=other)
        assert (await site.http.delete(fault, headers=ADMIN)).status_code == 204
        await site.create("AFTER")  # no delay of its own, but behind what is held
        (first,) = await client.messages(1)
        assert asyncio.get_running_loop().time() - started >= 0.4  # nothing came sooner
        rest = await client.messages(5)
        assert [m["args"][0] for m in [first, *rest]] == [
            "LATE-1",
            "LATE-1",
            "LATE-2",
            "LATE-2",
            "AFTER",
            "AFTER",
        ]
        assert [m["args"][0] for m in await bystander.messages(2)] == ["ELSEWHERE"] * 2
        async with site.rt.db.read() as conn:
            fired = [e for e in await event_log.read(conn) if e.type == "fault.fired"]
        assert [(e.tenant, e.payload["pushDelayMs"]) for e in fired] == [("dev", 400)]
    finally:
        await client.stop()
        await bystander.stop()


async def test_a_refusing_hub_fails_new_connections_only(site: Site) -> None:
    spec = {"vendor": "pickup_cloud", "path": "/hubs/*", "status": 503, "count": 2}
    r = await site.http.post("/pickbay/v1/faults", json=spec, headers=ADMIN)
    assert r.status_code == 201, r.text
    for options in ({}, {"skipNegotiation": True}):  # negotiate refused; the upgrade refused
        refused = await ClientProcess.js(
            url=site.base + HUB, methods=METHODS, headers={"x-api-key": "dev"}, **options
        )
        failed = await refused.next(lambda e: e["event"] in ("connected", "failed"))
        assert failed["event"] == "failed", failed
        await refused.stop()
    client = await site.client()  # the fault is used up
    await client.stop()
    assert (await site.create("REST"))["orderNumber"] == "REST"  # the REST API was untouched
