"""The event feed: pages after a sequence number, a resumable SSE stream, each caller's own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pickbay import testing
from pickbay.app import create_app
from pickbay.runtime import Runtime
from tests.api.mixed import itempath_auth, one_of_each
from tests.conftest import paused_clock, settings_for

EVENTS = "/pickbay/v1/events"
ADMIN = {"Authorization": "Bearer admin-secret"}
GREYMATTER = {"Authorization": "Bearer dev"}  # the sandbox token, also the dev key
WAIT = 10.0


@pytest.fixture
async def scoped(sqlite_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """A client on an app whose admin token is not the sandbox's `dev` (which is every
    dialect's sandbox credential too, and as the admin token would read everything)."""
    rt = Runtime(settings_for(sqlite_url, admin_token="admin-secret"), clock=paused_clock())
    app = create_app(runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            yield c, rt


async def everything(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    r = await client.get(EVENTS, params={"limit": 1000, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_pages_follow_next_until_more_is_false(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await one_of_each(client)
    whole = await everything(client, admin)
    assert whole["more"] is False
    seqs = [e["seq"] for e in whole["events"]]
    assert [(e["type"], e["orderId"]) for e in whole["events"]] == [
        ("order.state_changed", 1),
        ("article.state_changed", 1),
        ("order.created", 2),
        ("service_request.created", 3),
    ]
    assert whole["next"] == seqs[-1]
    assert {e["dialect"] for e in whole["events"]} == {"pickup_cloud", "itempath", "greymatter"}
    paged: list[int] = []
    since = 0
    while True:
        page = await everything(client, admin, since=since, limit=3)
        paged += [e["seq"] for e in page["events"]]
        since = page["next"]
        if not page["more"]:
            break
    assert paged == seqs
    first = whole["events"][0]
    assert list(first) == ["seq", "type", "at", "dialect", "tenant", "orderId", "payload"]
    assert first["type"] == "order.state_changed"
    assert first["payload"]["orderNumber"] == "A-1"
    later = await everything(client, admin, since=whole["next"])
    assert later == {"events": [], "next": whole["next"], "more": False}


async def test_each_credential_reads_only_its_own_events(
    scoped: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, rt = scoped
    other = await rt.tenancy.create_key("other-pharmacy")
    await one_of_each(client)
    r = await client.post(
        "/api/v2/orders",
        headers={"x-api-key": other},
        json={
            "orderNumber": "B-1",
            "articles": [{"scanCode": "1", "name": "x", "quantityOrdered": 1}],
        },
    )
    assert r.status_code == 200

    async def seen(headers: dict[str, str], **params: Any) -> set[tuple[str, str]]:
        return {
            (e["dialect"], e["tenant"])
            for e in (await everything(client, headers, **params))["events"]
        }

    assert await seen(ADMIN) == {
        ("pickup_cloud", "dev"),
        ("pickup_cloud", "other-pharmacy"),
        ("itempath", "default"),
        ("greymatter", "default"),
    }
    assert await seen({"x-api-key": "dev"}) == {("pickup_cloud", "dev")}
    assert await seen({"x-api-key": other}) == {("pickup_cloud", "other-pharmacy")}
    assert await seen({}, access_token=other) == {("pickup_cloud", "other-pharmacy")}
    assert await seen(GREYMATTER) == {("greymatter", "default")}
    assert await seen(await itempath_auth(client)) == {("itempath", "default")}
    assert await seen(ADMIN, dialect="pickup_cloud", tenant="dev") == {("pickup_cloud", "dev")}
    # Asking for what the credentials cannot see finds nothing rather than widening the scope.
    assert await seen({"x-api-key": "dev"}, tenant="other-pharmacy") == set()
    assert await seen(GREYMATTER, dialect="itempath") == set()


async def test_bad_credentials_and_arguments_are_refused(
    scoped: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, _ = scoped
    for headers in ({}, {"Authorization": "Bearer nope"}, {"x-api-key": "nope"}):
        r = await client.get(EVENTS, headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]["status"] == 401
    r = await client.get(EVENTS, params={"since": -1, "limit": 0}, headers=ADMIN)
    assert r.status_code == 400
    assert set(r.json()["error"]["errors"]) == {"since", "limit"}
    r = await client.get(EVENTS + "/stream", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


# ---------------------------------------------------------------- the stream, over real HTTP


@pytest.fixture
def server(tmp_path: Path) -> Iterator[testing.Pickbay]:
    """A real pickbay on a free port."""
    instance = testing.start(testing.settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"))
    try:
        yield instance
    finally:
        testing.stop(instance)


class Stream:
    """An open SSE response, read message by message."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self) -> tuple[int, dict[str, Any]]:
        """The next event message (comments and retry hints skipped)."""
        return await asyncio.wait_for(self._next(), WAIT)

    async def _next(self) -> tuple[int, dict[str, Any]]:
        seq, data = None, None
        async for line in self.lines:
            if line.startswith("id: "):
                seq = int(line[4:])
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and seq is not None and data is not None:
                return seq, data
        raise AssertionError("the stream ended")


async def order(http: httpx.AsyncClient, number: str, key: str = "dev") -> None:
    r = await http.post(
        "/api/v2/orders",
        headers={"x-api-key": key},
        json={
            "orderNumber": number,
            "articles": [{"scanCode": "1", "name": "x", "quantityOrdered": 1}],
        },
    )
    assert r.status_code == 200, r.text


async def test_the_stream_sends_history_then_live_events_and_resumes_after_last_event_id(
    server: testing.Pickbay,
) -> None:
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as http:
        await order(http, "A-1")
        async with http.stream("GET", EVENTS + "/stream?since=0", headers=admin) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            stream = Stream(r)
            history = [await stream.next(), await stream.next()]
            assert [e["payload"]["orderNumber"] for _, e in history] == ["A-1", "A-1"]
            await order(http, "A-2")
            live = [await stream.next(), await stream.next()]
            assert [e["payload"]["orderNumber"] for _, e in live] == ["A-2", "A-2"]
            assert [seq for seq, e in history + live] == [e["seq"] for _, e in history + live]
        resume = {**admin, "Last-Event-ID": str(live[0][0])}
        async with http.stream("GET", EVENTS + "/stream", headers=resume) as r:
            assert await Stream(r).next() == live[1]


async def test_the_stream_starts_at_the_head_and_keeps_to_the_callers_tenant(
    server: testing.Pickbay,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as http:
        await order(http, "OLD")
        other = server.create_key("other-pharmacy")
        async with http.stream("GET", EVENTS + "/stream", params={"access_token": other}) as r:
            stream = Stream(r)
            await order(http, "NOT-MINE")
            await order(http, "MINE", key=other)
            _, first = await stream.next()
            assert (first["tenant"], first["payload"]["orderNumber"]) == ("other-pharmacy", "MINE")
