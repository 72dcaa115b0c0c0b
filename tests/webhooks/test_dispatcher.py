"""Webhook delivery against a real HTTP receiver: order, retries, restarts, signatures."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.runtime import Runtime
from pickbay.webhooks import dispatcher
from pickbay.webhooks.signing import HEADER, verify
from tests.conftest import paused_clock, settings_for
from tests.vendors.greymatter.http.test_routes import AUTH, BASE, pick
from tests.webhooks.receiver import Receiver

ADMIN = {"Authorization": "Bearer dev"}
HOOKS = "/pickbay/v1/webhooks"
LIFECYCLE = [
    ("order_information", "fulfillable"),
    ("order_information", "cancellation_locked"),
    ("order_information", "pick_started"),
    ("order_information", "complete"),
    ("bin_complete", "complete"),
]


async def settled(client: httpx.AsyncClient, hook: int, count: int) -> list[dict[str, Any]]:
    """The delivery log once `count` deliveries are recorded as delivered (the sender records
    an attempt just after the receiver answers it)."""
    async with asyncio.timeout(15):
        while True:
            log = (await client.get(f"{HOOKS}/{hook}/deliveries", headers=ADMIN)).json()
            rows: list[dict[str, Any]] = log["deliveries"]
            if sum(d["state"] == "delivered" for d in rows) >= count:
                return rows
            await asyncio.sleep(0.01)


class Pickbay:
    """One pickbay process on a database, started and stopped by the test."""

    def __init__(self, url: str, **overrides: object) -> None:
        self.runtime = Runtime(settings_for(url, **overrides), clock=paused_clock())
        self.app = create_app(runtime=self.runtime)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://pickbay.test"
        )

    async def __aenter__(self) -> Pickbay:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self._lifespan.__aexit__(None, None, None)

    async def advance(self, *steps: float) -> None:
        for seconds in steps:
            await self.runtime.scheduler.advance(seconds)


async def test_a_failing_receiver_and_a_restart_lose_nothing(
    database_url: str, receiver: Receiver
) -> None:
    receiver.fail_with = 503
    async with Pickbay(database_url) as first:
        r = await first.client.post(HOOKS, json={"url": receiver.url}, headers=ADMIN)
        hook = r.json()["id"]
        for name, sku in (("R-1", "2001"), ("R-2", "2002")):
            body = pick(name, (f"{name}_1", 3, f"product_sku = '{sku}'"))
            assert (await first.client.post(BASE, json=body, headers=AUTH)).status_code == 200
        await first.advance(1)
        await receiver.wait_refused(2)  # the head of each request's line, once
        await first.advance(10, 5)  # the rest happens while the receiver is down
    receiver.fail_with = None

    async with Pickbay(database_url) as second:
        await second.advance(30)  # the next retry falls due
        got = await receiver.wait_for(10)
        assert receiver.of("R-1") == LIFECYCLE
        assert receiver.of("R-2") == LIFECYCLE
        assert len({n["notification_id"] for n in got}) == 10
        log = await settled(second.client, hook, 10)
        assert len(log) == 10
        first_try = min(log, key=lambda d: d["id"])
        detail = await second.client.get(
            f"{HOOKS}/{hook}/deliveries/{first_try['id']}", headers=ADMIN
        )
        attempts = detail.json()["attemptLog"]
        assert len(attempts) >= 2
        assert (attempts[-1]["status"], attempts[-1]["error"]) == (200, None)
        assert {(a["status"], a["error"]) for a in attempts[:-1]} == {(503, "HTTP 503")}


async def test_retries_back_off_doubling_and_each_attempt_is_logged(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver
) -> None:
    receiver.fail_with = 500
    hook = (await client.post(HOOKS, json={"url": receiver.url}, headers=ADMIN)).json()["id"]
    # Far more than the floor holds: one notification (not_fulfillable), and nothing after it.
    await client.post(BASE, json=pick("B-1", ("B-1_1", 999, "product_sku = '2001'")), headers=AUTH)
    await app_runtime.scheduler.advance(1)
    waits = []
    for n, seconds in enumerate((5, 10, 20), start=1):
        await receiver.wait_refused(n)
        (delivery,) = (await client.get(f"{HOOKS}/{hook}/deliveries", headers=ADMIN)).json()[
            "deliveries"
        ]
        while delivery["attempts"] < n:  # the attempt is recorded just after the answer
            await asyncio.sleep(0.01)
            delivery = (
                await client.get(f"{HOOKS}/{hook}/deliveries/{delivery['id']}", headers=ADMIN)
            ).json()
        waits.append(
            (
                datetime.fromisoformat(delivery["nextAttemptAt"]) - app_runtime.clock.now()
            ).total_seconds()
        )
        if n == 3:
            receiver.fail_with = None
        await app_runtime.scheduler.advance(seconds)
    assert waits == [5, 10, 20]
    (n,) = await receiver.wait_for(1)
    assert n["notification_data"]["state"] == "not_fulfillable"
    await settled(client, hook, 1)
    detail = await client.get(f"{HOOKS}/{hook}/deliveries/{delivery['id']}", headers=ADMIN)
    assert [a["status"] for a in detail.json()["attemptLog"]] == [500, 500, 500, 200]


async def test_notifications_are_signed_and_can_be_redelivered(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver
) -> None:
    r = await client.post(HOOKS, json={"url": receiver.url, "secret": "s3cret"}, headers=ADMIN)
    assert r.status_code == 201
    hook = r.json()
    assert (hook["secret"], hook["dialect"]) == ("s3cret", "greymatter")
    await client.post(BASE, json=pick("S-1", ("S-1_1", 1, "product_sku = '2001'")), headers=AUTH)
    await app_runtime.scheduler.advance(1)
    (n,) = await receiver.wait_for(1)
    headers, body = receiver.raw[0]
    assert verify("s3cret", body, headers[HEADER.lower()])
    assert not verify("other", body, headers[HEADER.lower()])
    assert headers["x-pickbay-notification-id"] == n["notification_id"]
    assert headers["content-type"] == "application/json;charset=UTF-8"
    source, _, number = n["notification_id"].partition(":")
    assert source == "pickbay"
    assert len(number) > 8
    int(number, 16)  # hex, as the vendor's `butler_core:a495d2ba`

    (delivery,) = (await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=ADMIN)).json()[
        "deliveries"
    ]
    again = await client.post(
        f"{HOOKS}/{hook['id']}/deliveries/{delivery['id']}/redeliver", headers=ADMIN
    )
    assert again.status_code == 202
    assert again.json()["redeliveryOf"] == delivery["id"]
    await receiver.wait_for(2)
    assert receiver.raw[1][1] == body
    assert receiver.received[1]["notification_id"] == n["notification_id"]


async def test_subscriptions_are_managed_and_a_deleted_one_gets_nothing(
    client: httpx.AsyncClient, app_runtime: Runtime, receiver: Receiver
) -> None:
    for bad in (
        {"url": "ftp://example.com/x"},
        {"url": "not a url"},
        {"url": receiver.url, "dialect": "itempath"},
        {"url": receiver.url, "extra": 1},
        {"url": receiver.url, "secret": ""},
    ):
        r = await client.post(HOOKS, json=bad, headers=ADMIN)
        assert r.status_code == 400, bad
    assert (await client.post(HOOKS, json={"url": receiver.url})).status_code == 401
    ids = [
        (await client.post(HOOKS, json={"url": receiver.url}, headers=ADMIN)).json()["id"]
        for _ in range(2)
    ]
    listed = (await client.get(HOOKS, headers=ADMIN)).json()["webhooks"]
    assert [h["id"] for h in listed] == ids
    assert "secret" not in listed[0]
    assert (await client.delete(f"{HOOKS}/{ids[0]}", headers=ADMIN)).status_code == 204
    assert (await client.delete(f"{HOOKS}/{ids[0]}", headers=ADMIN)).status_code == 404
    assert (await client.get(f"{HOOKS}/{ids[0]}", headers=ADMIN)).status_code == 404
    assert (await client.get(f"{HOOKS}/999/deliveries", headers=ADMIN)).status_code == 404
    bad_state = await client.get(f"{HOOKS}/{ids[1]}/deliveries?state=lost", headers=ADMIN)
    assert bad_state.status_code == 400

    await client.post(BASE, json=pick("D-1", ("D-1_1", 1, "product_sku = '2001'")), headers=AUTH)
    await app_runtime.scheduler.advance(1)
    await receiver.wait_for(1)
    assert (await client.get(f"{HOOKS}/{ids[0]}/deliveries", headers=ADMIN)).status_code == 404
    (kept,) = await settled(client, ids[1], 1)
    assert datetime.fromisoformat(kept["deliveredAt"]) == app_runtime.clock.now()


async def test_three_senders_at_once_send_each_notification_once_in_order(
    postgres_url: str, receiver: Receiver
) -> None:
    async with Pickbay(postgres_url) as a, Pickbay(postgres_url) as b, Pickbay(postgres_url) as c:
        senders = [a, b, c]
        for p in senders:  # all three send, as if each held the role
            if not p.runtime.cluster.holds("webhooks"):
                await p.runtime.dispatcher.start()
        await a.client.post(HOOKS, json={"url": receiver.url}, headers=ADMIN)
        names = [f"M-{n}" for n in range(8)]
        for n, name in enumerate(names):
            body = pick(name, (f"{name}_1", 1, f"product_sku = '{2001 + n % 2}'"))
            assert (await senders[n % 3].client.post(BASE, json=body, headers=AUTH)).is_success
        await asyncio.gather(*(p.advance(1, 60, 60, 60) for p in senders))
        await receiver.wait_for(len(names) * len(LIFECYCLE))
        ids = [n["notification_id"] for n in receiver.received]
        assert len(ids) == len(set(ids))  # nothing twice
        for name in names:
            assert receiver.of(name) == LIFECYCLE


async def test_a_receiver_that_never_answers_holds_up_only_its_own_deliveries(
    database_url: str, receiver: Receiver
) -> None:
    stuck = Receiver()
    await stuck.start()
    stuck.hang = True
    try:
        async with Pickbay(database_url, webhook_timeout_seconds=120) as p:
            for url in (stuck.url, receiver.url):
                await p.client.post(HOOKS, json={"url": url}, headers=ADMIN)
            for name in ("H-1", "H-2"):
                body = pick(name, (f"{name}_1", 1, "product_sku = '2001'"))
                assert (await p.client.post(BASE, json=body, headers=AUTH)).is_success
            await p.advance(1, 60, 60, 60)
            await stuck.wait_held(2)  # the head of each request's line, unanswered
            await receiver.wait_for(2 * len(LIFECYCLE))  # while those still hang
            assert stuck.held == 2
            assert receiver.of("H-1") == receiver.of("H-2") == LIFECYCLE
    finally:
        await stuck.stop()


async def first_post_held(p: Pickbay, receiver: Receiver, name: str) -> None:
    """A pick request whose first notification the receiver holds unanswered."""
    receiver.hang = True
    await p.client.post(HOOKS, json={"url": receiver.url}, headers=ADMIN)
    body = pick(name, (f"{name}_1", 1, "product_sku = '2001'"))
    assert (await p.client.post(BASE, json=body, headers=AUTH)).is_success
    await p.advance(1)
    await receiver.wait_held(1)


async def test_what_queues_behind_a_line_in_flight_goes_when_the_line_ends(
    database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a wake can send it: the sender's own look comes an hour later.
    monkeypatch.setattr(dispatcher, "IDLE_SECONDS", 3600.0)
    async with Pickbay(database_url) as p:
        await first_post_held(p, receiver, "Q-1")
        await p.advance(60, 60, 60)  # the rest of the lifecycle queues behind the held post
        receiver.release()
        await receiver.wait_for(len(LIFECYCLE))
        assert receiver.of("Q-1") == LIFECYCLE


async def test_a_line_in_flight_does_not_make_the_sender_spin(
    database_url: str, receiver: Receiver
) -> None:
    async with Pickbay(database_url) as p:
        await first_post_held(p, receiver, "S-1")
        await p.runtime.clock.set_mode(paused=False, speed=None)
        # The only due delivery is the one held: nothing to look at before the idle wait.
        assert await p.runtime.dispatcher._send_pass() == dispatcher.IDLE_SECONDS
        receiver.release()
        await receiver.wait_for(1)
