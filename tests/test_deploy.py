"""The reference deployment of docs/deploy.md, run for real: three `pickbay serve` processes
on one PostgreSQL and one Redis, behind HAProxy (round robin, no sticky sessions)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.conftest import REDIS_URL, create_postgres_database, drop_postgres_database
from tests.signalr.peers import ClientProcess, free_port
from tests.vendors.greymatter.http.test_routes import AUTH, BASE, pick
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_dispatcher import LIFECYCLE

ADMIN = {"Authorization": "Bearer dev"}
KEY = {"x-api-key": "dev"}
CLOCK = "/pickbay/v1/clock"
WAIT = 30.0  # seconds a process or the balancer may take to come up
# Requests to a hub that are not WebSocket upgrades (negotiate, Server-Sent Events, Long
# Polling) go to the process the client's address hashes to; everything else round robin.
HUB_AFFINITY = """\
    acl hub path_beg /hubs/
    acl upgrade hdr(upgrade) -i websocket
    use_backend hubs if hub !upgrade"""
HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend pickbay
    bind 127.0.0.1:{port}
{hub_rules}
    default_backend processes
backend processes
    balance roundrobin
    option httpchk GET /readyz
{servers}
backend hubs
    balance source
    hash-type consistent
    option httpchk GET /readyz
{servers}
"""


class Process:
    """One `pickbay serve` child process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pickbay", "serve", "--port", str(self.port), "--no-access-log"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    async def ready(self) -> bool:
        """Whether it answers its readiness probe (it fails the test if it exited)."""
        assert self.proc.poll() is None, self.output()
        try:
            async with httpx.AsyncClient(timeout=1) as http:
                return (await http.get(self.base + "/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    def output(self) -> str:
        """What it printed (after it ended)."""
        return self.proc.stdout.read() if self.proc.stdout else ""

    def stop(self) -> None:
        """SIGTERM, and wait for a clean exit (if it still runs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode in (0, -signal.SIGTERM, -signal.SIGKILL), out


async def wait_until(check: Callable[[], Awaitable[bool]], what: str, within: float = WAIT) -> None:
    """Poll `check()` (a process coming up, a role moving: wall-clock events outside pickbay's
    clock) until it is true."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def processes(count: int, env: dict[str, str]) -> AsyncIterator[list[Process]]:
    """`count` processes started at once; yields them once every one is ready."""
    started = [Process(env) for _ in range(count)]
    try:
        for p in started:
            await wait_until(p.ready, f"process on {p.port}")
        yield started
    finally:
        for p in started:
            p.stop()


def run_haproxy(haproxy: str, config: Path, log: IO[str]) -> subprocess.Popen[bytes]:
    """HAProxy in the foreground on `config`, its messages into `log`."""
    return subprocess.Popen([haproxy, "-db", "-f", str(config)], stderr=log)


@asynccontextmanager
async def balancer(
    backends: list[Process], tmp_path: Path, *, hub_affinity: bool = True
) -> AsyncIterator[str]:
    """HAProxy in front of `backends`, round robin (with `hub_affinity`, the hubs' requests
    other than WebSockets by client address); yields its base URL."""
    haproxy = shutil.which("haproxy")
    assert haproxy, "haproxy is required (.ci/run installs Debian's package)"
    port = free_port()
    servers = "\n".join(
        f"    server p{n} 127.0.0.1:{p.port} check inter 250ms fall 2 rise 1"
        for n, p in enumerate(backends)
    )
    config = tmp_path / "haproxy.cfg"
    rules = HUB_AFFINITY if hub_affinity else ""
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers, hub_rules=rules))
    log = (tmp_path / "haproxy.log").open("w")
    proc = run_haproxy(haproxy, config, log)
    base = f"http://127.0.0.1:{port}"
    try:

        async def up() -> bool:
            assert proc.poll() is None, (tmp_path / "haproxy.log").read_text()
            try:
                async with httpx.AsyncClient(timeout=1) as http:
                    return (await http.get(base + "/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(up, "haproxy")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@asynccontextmanager
async def new_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database: the processes migrate it themselves."""
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def environment(url: str, **extra: str) -> dict[str, str]:
    """What every process of the deployment is started with."""
    return {
        **os.environ,
        "PICKBAY_DATABASE_URL": url,
        "PICKBAY_REDIS_URL": REDIS_URL,
        "PICKBAY_WEBHOOK_RETRY_SECONDS": "1",
        **extra,
    }


async def get(url: str, **kwargs: Any) -> Any:
    """GET `url`; its JSON."""
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(url, headers={**ADMIN, **KEY}, **kwargs)
        assert r.status_code == 200, r.text
        return r.json()


async def post(url: str, body: Any, headers: dict[str, str] = ADMIN) -> Any:
    """POST `body` to `url`; its JSON."""
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(url, json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        return r.json()


async def assert_one_clock(backends: list[Process], changed: dict[str, Any]) -> None:
    """Every process runs on the clock the change returned."""
    seen = [await get(p.base + CLOCK) for p in backends]
    assert {(c["paused"], c["speed"]) for c in seen} == {(changed["paused"], changed["speed"])}
    times = [datetime.fromisoformat(c["now"]) for c in seen]
    if changed["paused"]:
        assert set(times) == {datetime.fromisoformat(changed["now"])}
    else:  # read one after another: never backwards
        assert times == sorted(times)
        assert times[0] >= datetime.fromisoformat(changed["now"])


async def events(base: str) -> list[dict[str, Any]]:
    """The whole event log."""
    out: list[dict[str, Any]] = []
    since = 0
    while True:
        page = await get(base + "/pickbay/v1/events", params={"since": since, "limit": 1000})
        out += page["events"]
        since = page["next"]
        if not page["more"]:
            return out


def state_changes(log: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(order, state) of every Pickup Cloud order state change."""
    return [
        (e["orderId"], e["payload"]["orderState"])
        for e in log
        if e["type"] == "order.state_changed"
    ]


async def holders(base: str) -> dict[str, str | None]:
    """Who holds each role now, as the process at `base` sees it."""
    return {r["role"]: r["holder"] for r in (await get(base + "/pickbay/v1/cluster"))["roles"]}


def new_order(number: str, script: str) -> dict[str, Any]:
    """A Pickup Cloud order body with a demo script."""
    return {
        "orderNumber": number,
        "relatedNotes": script,
        "articles": [{"scanCode": "1", "quantityOrdered": 1}],
    }


async def test_three_processes_behind_a_balancer_are_one_deployment(tmp_path: Path) -> None:
    async with (
        new_database() as url,
        processes(3, environment(url)) as backends,
        balancer(backends, tmp_path) as lb,
    ):
        view = await get(lb + "/pickbay/v1/cluster")
        assert len(view["processes"]) == 3
        roles = await holders(lb)
        assert set(roles) == {"scheduler", "webhooks"}
        assert set(roles.values()) <= {p["id"] for p in view["processes"]}

        changes: list[tuple[str, dict[str, Any]]] = [
            (CLOCK, {"paused": True}),
            (CLOCK, {"paused": False, "speed": 60}),
            (CLOCK + "/advance", {"seconds": 600}),
            (CLOCK, {"paused": True}),
            (CLOCK + "/advance", {"seconds": 3600}),
            (CLOCK, {"speed": 2}),
        ]
        for path, body in changes * 2:  # round robin: each change reaches each process in turn
            await assert_one_clock(backends, await post(lb + path, body))

        await post(lb + CLOCK, {"paused": True})
        numbers = [f"LB-{n}" for n in range(6)]
        for number in numbers:
            await post(lb + "/api/v2/orders", new_order(number, "$pickup-030-060"), KEY)
        fired = [await post(lb + CLOCK + "/advance", {"seconds": 20}) for _ in range(6)]
        assert sum(f["timersFired"] for f in fired) == 2 * len(numbers)
        for p in backends:
            for number in numbers:
                order = await get(f"{p.base}/api/v2/orders/by-ordernumber/{number}")
                assert order["state"] == "PICKEDUP"
        log = await events(lb)
        times = [datetime.fromisoformat(e["at"]) for e in log]
        assert times == sorted(times)
        steps = state_changes(log)
        assert len(steps) == len(set(steps))


async def test_writes_through_other_processes_during_an_advance_never_step_back_in_time(
    postgres_url: str,
) -> None:
    """A long advance through one process; meanwhile orders are made through the others. They
    wait for the advance and run at the time it reached: along the event log, time never
    steps back."""
    async with processes(3, environment(postgres_url)) as backends:
        first, *others = backends
        await post(first.base + CLOCK, {"paused": True})
        for n in range(120):
            await post(first.base + "/api/v2/orders", new_order(f"A-{n}", "$pickup-010-030"), KEY)
        advance = asyncio.ensure_future(post(first.base + CLOCK + "/advance", {"seconds": 3600}))
        during = 0
        while not advance.done():
            other = others[during % len(others)]
            await post(other.base + "/api/v2/orders", new_order(f"W-{during}", ""), KEY)
            during += 1
        assert during  # sent while the advance ran
        advanced = await advance
        assert advanced["timersFired"] == 240
        log = await events(first.base)
        times = [datetime.fromisoformat(e["at"]) for e in log]
        assert times == sorted(times)
        last = f"W-{during - 1}"  # under way as the advance began: held until its end
        made = await get(f"{others[0].base}/api/v2/orders/by-ordernumber/{last}")
        reached = datetime.fromisoformat(advanced["now"])
        assert datetime.fromisoformat(made["creationDate"]) == reached  # made at the end


async def test_killing_the_role_holder_moves_its_roles_and_loses_nothing(
    tmp_path: Path, postgres_url: str, receiver: Receiver
) -> None:
    async with (
        processes(3, environment(postgres_url)) as backends,
        balancer(backends, tmp_path) as lb,
    ):
        await post(lb + "/pickbay/v1/webhooks", {"url": receiver.url})
        await post(lb + CLOCK, {"paused": False, "speed": 20})
        names = [f"K-{n}" for n in range(4)]
        for n, name in enumerate(names):
            await post(
                lb + BASE, pick(name, (f"{name}_1", 1, f"product_sku = '{2001 + n % 2}'")), AUTH
            )
        for name in names:
            await post(lb + "/api/v2/orders", new_order(name, "$pickup-040-080"), KEY)

        ids = {(await get(p.base + "/pickbay/v1/cluster"))["process"]: p for p in backends}
        victim = ids[(await holders(lb))["scheduler"] or ""]
        killed = time.monotonic()
        victim.proc.send_signal(signal.SIGKILL)
        survivor = next(p for p in backends if p is not victim)
        alive = {i for i, p in ids.items() if p is not victim}

        async def moved() -> bool:
            return set((await holders(survivor.base)).values()) <= alive

        await wait_until(moved, "the roles to move", within=10)
        took = time.monotonic() - killed
        assert took < 5.0, f"the roles took {took:.1f} s to move"

        # A delivery in flight when its sender died may come twice; nothing may be missing.
        while any(len(dedupe(receiver, name)) < len(LIFECYCLE) for name in names):
            await receiver.wait_for(len(receiver.received) + 1, within=60)
        for name in names:
            assert dedupe(receiver, name) == LIFECYCLE

        async def picked_up() -> bool:
            states = {
                (await get(f"{survivor.base}/api/v2/orders/by-ordernumber/{n}"))["state"]
                for n in names
            }
            return states == {"PICKEDUP"}

        await wait_until(picked_up, "every order to be picked up", within=60)
        steps = state_changes(await events(survivor.base))
        assert len(steps) == len(set(steps))


@pytest.mark.parametrize(
    ("hub_affinity", "transports"),
    [
        (False, ["WebSockets"] * 4),
        (True, ["WebSockets", "WebSockets", "ServerSentEvents", "LongPolling"]),
    ],
    ids=["round-robin", "hub-affinity"],
)
async def test_stock_signalr_clients_through_the_balancer_hear_of_orders_made_anywhere(
    tmp_path: Path, postgres_url: str, hub_affinity: bool, transports: list[str]
) -> None:
    """Negotiate, then the transport: a WebSocket goes round robin, so for most clients to
    another process than the one that negotiated; SSE and Long Polling need the hub's
    affinity rules. The orders are made through the round-robin backend."""
    async with (
        processes(3, environment(postgres_url)) as backends,
        balancer(backends, tmp_path, hub_affinity=hub_affinity) as lb,
    ):
        clients = [
            await ClientProcess.js(
                url=lb + "/hubs/pickup-cloud",
                headers=KEY,
                transport=transport,
                methods=["OrderStateChanged"],
            )
            for transport in transports
        ]
        try:
            for client in clients:
                await client.event("connected")
            numbers = [f"HUB-{n}" for n in range(6)]
            for number in numbers:
                await post(lb + "/api/v2/orders", new_order(number, ""), KEY)
            for client in clients:
                pushed = [(await client.event("message"))["args"][0] for _ in numbers]
                assert pushed == numbers
        finally:
            for client in clients:
                await client.stop()


async def test_a_stateful_reconnect_through_a_round_robin_balancer_loses_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    """The official client with stateful reconnect, behind pure round robin. The process that
    holds its WebSocket is killed: the reconnect reaches another, which resumes the connection
    from the checkpoint the dead one stored in Redis and sends again, from the event log, what
    the client had not acknowledged. Orders made before and after arrive once each, in order,
    on the one connection."""
    async with (
        processes(3, environment(postgres_url)) as backends,
        balancer(backends, tmp_path, hub_affinity=False) as lb,
    ):
        client = await ClientProcess.js(
            url=lb + "/hubs/pickup-cloud",
            headers=KEY,
            statefulReconnect=True,
            methods=["OrderStateChanged"],
        )
        try:
            await client.event("connected")
            holder: list[Process] = []

            async def found() -> bool:
                view = await get(backends[0].base + "/pickbay/v1/cluster")
                held = {p["pid"]: p["connections"] for p in view["processes"]}
                holder[:] = [b for b in backends if held.get(b.proc.pid) == 1]
                return len(holder) == 1

            await wait_until(found, "the process holding the connection")
            numbers = [f"SR-{n}" for n in range(6)]
            for number in numbers[:3]:
                await post(lb + "/api/v2/orders", new_order(number, ""), KEY)
            # Received, and not acknowledged yet (the client acknowledges once a second).
            assert [m["args"][0] for m in await client.messages(3)] == numbers[:3]
            holder[0].proc.kill()
            alive = next(b for b in backends if b is not holder[0])
            for number in numbers[3:]:
                await post(alive.base + "/api/v2/orders", new_order(number, ""), KEY)
            assert [m["args"][0] for m in await client.messages(3)] == numbers[3:]
            assert not [e for e in client.events if e["event"] in ("closed", "reconnecting")]
        finally:
            await client.stop()


def dedupe(receiver: Receiver, name: str) -> list[tuple[str, str]]:
    """The notifications about one request, each id once (a delivery in flight when its
    sender died may come again)."""
    seen: set[str] = set()
    kept = []
    for n in receiver.received:
        if n["notification_id"] not in seen:
            seen.add(n["notification_id"])
            kept.append(n)
    copy = Receiver.__new__(Receiver)
    copy.received = kept
    return copy.of(name)


@pytest.mark.parametrize("round_", range(10))
async def test_processes_started_at_once_on_a_new_database_all_come_up(round_: int) -> None:
    async with new_database() as url, processes(3, environment(url)) as backends:
        assert len(backends) == 3  # each answered its readiness probe
