"""A deployment of several `pickbay serve` processes on PostgreSQL and Redis: creates per
second with 1 and 2 processes, how fast a clock change reaches every process, and how long a
role takes to move when its holder is killed.

- creates: `POST /api/v2/orders` from 32 keep-alive clients spread over the processes, for
  1 process and then 2 on a new database each; orders per second, and server CPU (user +
  system of the pickbay processes, from /proc) per create.

- clock propagation: a change is POSTed to one process (which returns once every live
  process runs on it); then each other process is asked for its clock. Reported: the POST's
  round trip (p50/p99), and how many reads afterwards disagreed (must be 0).
- failover: the process holding the scheduler role is killed (`kill -9`) with a timer due every
  virtual second on a running clock; the time from the kill until another process holds the
  role, and until the next timer fires elsewhere. A new process replaces the killed one
  before the next round.

    python bench/cluster.py [--processes 3] [--changes 200] [--kills 10] [--seconds 10]
                            [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import orjson

from orders import load, request  # bench/orders.py: the same keep-alive load generator

ADMIN = {"Authorization": "Bearer dev"}
KEY = {"x-api-key": "dev"}
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """One `pickbay serve`."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pickbay", "serve", "--port", str(self.port), "--no-access-log"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.id = ""

    async def ready(self, http: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if (await http.get(self.base + "/readyz")).status_code == 200:
                    view = (await http.get(self.base + "/pickbay/v1/cluster", headers=ADMIN)).json()
                    self.id = view["process"]
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"process on {self.port} did not start")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def creates(
    env: dict[str, str], count: int, clients: int, seconds: float
) -> tuple[float, float]:
    """Orders created per second and CPU ms per create with `count` processes."""
    procs = [Process(env) for _ in range(count)]
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for p in procs:
                await p.ready(http)
        run = os.urandom(4).hex()

        def create(i: int) -> bytes:
            body = orjson.dumps(
                {
                    "orderNumber": f"{run}-{i}",
                    "articles": [
                        {"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 2}
                    ],
                }
            )
            headers = {"x-api-key": "dev", "Content-Type": "application/json"}
            return request("POST", "/api/v2/orders", headers, body)

        share = max(1, clients // count)
        await asyncio.gather(*(load(p.base, share, 1.0, create) for p in procs))  # warm-up
        cpu_before = sum(cpu_seconds(p.proc.pid) for p in procs)
        results = await asyncio.gather(*(load(p.base, share, seconds, create) for p in procs))
        cpu = sum(cpu_seconds(p.proc.pid) for p in procs) - cpu_before
        made = sum(n for n, _, _ in results)
        elapsed = max(e for _, e, _ in results)
        return made / elapsed, cpu / made * 1000
    finally:
        for p in procs:
            p.stop()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def clock_propagation(
    http: httpx.AsyncClient, procs: list[Process], changes: int
) -> dict[str, Any]:
    took: list[float] = []
    disagreed = 0
    for n in range(changes):
        changer = procs[n % len(procs)]
        body = {"paused": n % 2 == 0, "speed": float(1 + n % 5)}
        started = time.perf_counter()
        r = await http.post(changer.base + "/pickbay/v1/clock", json=body, headers=ADMIN)
        took.append((time.perf_counter() - started) * 1000)
        want = r.json()
        for p in procs:
            seen = (await http.get(p.base + "/pickbay/v1/clock", headers=ADMIN)).json()
            if (seen["paused"], seen["speed"]) != (want["paused"], want["speed"]):
                disagreed += 1
    return {
        "p50": statistics.median(took),
        "p99": pct(took, 0.99),
        "disagreed": disagreed,
        "reads": changes * len(procs),
    }


async def holder(http: httpx.AsyncClient, via: Process) -> str | None:
    view = (await http.get(via.base + "/pickbay/v1/cluster", headers=ADMIN)).json()
    return next((r["holder"] for r in view["roles"] if r["role"] == "scheduler"), None)


async def poll(read: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> None:
    """Read every 10 ms until `done` holds (the other processes change state, not this one)."""
    while True:
        if done(await read()):
            return
        await asyncio.sleep(0.01)


async def pending_timers(http: httpx.AsyncClient, via: Process) -> int:
    view = (await http.get(via.base + "/pickbay/v1/cluster", headers=ADMIN)).json()
    return int(view["timers"]["pending"])


async def failover(
    http: httpx.AsyncClient, procs: list[Process], env: dict[str, str], kills: int
) -> dict[str, list[float]]:
    moved: list[float] = []
    fired: list[float] = []
    await http.post(
        procs[0].base + "/pickbay/v1/clock", json={"paused": False, "speed": 60}, headers=ADMIN
    )
    for round_ in range(kills):
        # Timers due every virtual second for the next minutes: input and pickup steps.
        for n in range(20):
            await http.post(
                procs[0].base + "/api/v2/orders",
                headers=KEY,
                json={
                    "orderNumber": f"F{round_}-{n}-{uuid.uuid4().hex[:6]}",
                    "relatedNotes": f"$pickup-{5 + n * 3:03d}-{200 + n * 3:03d}",
                    "articles": [{"scanCode": "1", "quantityOrdered": 1}],
                },
            )
        current = await holder(http, procs[0])
        victim = next(p for p in procs if p.id == current)
        survivor = next(p for p in procs if p is not victim)
        killed = time.perf_counter()
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        gone = (None, current)
        await poll(lambda s=survivor: holder(http, s), lambda h, g=gone: h not in g)
        moved.append(time.perf_counter() - killed)
        pending = await pending_timers(http, survivor)
        await poll(lambda s=survivor: pending_timers(http, s), lambda n, p=pending: n < p)
        fired.append(time.perf_counter() - killed)
        procs.remove(victim)
        fresh = Process(env)
        await fresh.ready(http)
        procs.append(fresh)
        print(
            f"  kill {round_ + 1}: role moved in {moved[-1]:.2f} s,"
            f" a timer fired in {fired[-1]:.2f} s"
        )
    return {"moved": moved, "fired": fired}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    admin_dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    for count in (1, 2):
        async with database(admin_dsn) as url:
            env = {**os.environ, "PICKBAY_DATABASE_URL": url, "PICKBAY_REDIS_URL": args.redis_url}
            rate, cpu = await creates(env, count, args.clients, args.seconds)
            print(
                f"creates, {count} process(es) on PostgreSQL: {rate:.0f} orders/s, "
                f"{cpu:.2f} ms of server CPU per create ({args.clients} clients)"
            )
    async with database(admin_dsn) as url:
        env = {**os.environ, "PICKBAY_DATABASE_URL": url, "PICKBAY_REDIS_URL": args.redis_url}
        await deployment(env, args)


@asynccontextmanager
async def database(admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"pickbay_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield admin_dsn.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def deployment(env: dict[str, str], args: argparse.Namespace) -> None:
    """Clock propagation and failover with `args.processes` processes."""
    procs = [Process(env) for _ in range(args.processes)]
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for p in procs:
                await p.ready(http)
            print(f"{args.processes} processes on PostgreSQL + Redis")
            c = await clock_propagation(http, procs, args.changes)
            print(
                f"clock change, POST round trip until every process runs on it: "
                f"p50 {c['p50']:.1f} ms, p99 {c['p99']:.1f} ms; "
                f"{c['disagreed']} of {c['reads']} reads afterwards disagreed"
            )
            f = await failover(http, procs, env, args.kills)
            print(
                f"failover over {args.kills} kills: role moved in "
                f"median {statistics.median(f['moved']):.2f} s, max {max(f['moved']):.2f} s; "
                f"first timer fired elsewhere: median {statistics.median(f['fired']):.2f} s, "
                f"max {max(f['fired']):.2f} s"
            )
    finally:
        for p in procs:
            p.stop()


if __name__ == "__main__":
    asyncio.run(main())
