"""Webhook delivery of one pickbay process: notifications per second and latency.

A receiver runs in its own process (a plain asyncio HTTP/1.1 server that answers 200 and
notes when each notification arrived). pickbay runs in this process on a fresh database with
a paused virtual clock, one GreyMatter subscription, and a floor big enough that no request
waits for a bin.

- throughput: with the receiver down, 400 pick requests run their whole lifecycle (2,000
  notifications, five per request, queued behind at least one failed attempt each). The
  receiver comes up, the clock passes every retry, and the backlog drains: notifications
  delivered per second.
- latency: with the receiver up, one request at a time has its inventory checked; the time from
  the start of that clock step (the state change) to the notification's arrival, p50/p99.

    python bench/webhooks.py [--requests 400] [--samples 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from pickbay.config import Settings
from pickbay.core.clock import Clock, ClockState
from pickbay.runtime import Runtime
from pickbay.vendors.greymatter.model import NewLine, RequestType
from pickbay.vendors.greymatter.service import GreyMatterService, NewRequest

T0 = datetime(2030, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------- the receiver process


async def _serve(port: int) -> None:
    out = sys.stdout

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                arrived = time.monotonic()
                note = orjson.loads(body)["notification_id"]
                out.write(f"{note} {arrived}\n")
                out.flush()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    out.write("ready\n")
    out.flush()
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------------- the bench


class Arrivals:
    """Reads the receiver's notes as they come."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.times: dict[str, float] = {}
        self.changed = asyncio.Event()
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:
            line = raw.decode().strip()
            if line == "ready":
                self.ready.set()
                continue
            note, at = line.split()
            self.times[note] = float(at)
            self.changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(300):
            while len(self.times) < count:
                self.changed.clear()
                await self.changed.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _start_receiver(port: int) -> Arrivals:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--receiver", str(port), stdout=asyncio.subprocess.PIPE
    )
    arrivals = Arrivals(proc)
    await arrivals.ready.wait()
    return arrivals


def _request(name: str) -> NewRequest:
    line = NewLine(f"{name}_1", 1, {"filter_parameters": ["product_sku = 'BENCH'"]})
    return NewRequest(name, RequestType.PICK, [line])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def bench(url: str, requests: int, samples: int) -> None:
    settings = Settings(
        database_url=url,
        scheduler=False,
        greymatter_stations=100,
        greymatter_bins=10,
        greymatter_sandbox_stock=False,
        itempath_sandbox_materials=False,
    )
    clock = Clock(ClockState(anchor=T0, wall_anchor=T0, paused=True, speed=1.0))
    rt = Runtime(settings, clock=clock)
    await rt.start()
    port = _free_port()
    await rt.webhooks.subscribe(f"http://127.0.0.1:{port}/hook", None, "greymatter")
    await rt.service(GreyMatterService).set_stock({"product_sku": "BENCH"}, 10**6, None)
    arrivals: Arrivals | None = None
    try:
        for n in range(requests):
            await rt.service(GreyMatterService).create(_request(f"T-{n}"))
        for seconds in (1, 10, 5):
            await rt.scheduler.advance(seconds)
        expected = requests * 5
        async with asyncio.timeout(300):  # every notification queued, and tried once
            while True:
                async with rt.db.read() as conn:
                    queued = (
                        await conn.exec_driver_sql(
                            "SELECT count(*), sum(attempts) FROM webhook_deliveries"
                        )
                    ).one()
                if queued[0] >= expected and (queued[1] or 0) >= requests:
                    break
                await asyncio.sleep(0.05)
        arrivals = await _start_receiver(port)
        started = time.monotonic()
        # Past every retry: a head the sender tried more than once waits longer than 5 s.
        await rt.scheduler.advance(settings.webhook_retry_max_seconds)
        await arrivals.wait_for(expected)
        took = max(arrivals.times.values()) - started
        print(f"throughput: {expected} notifications in {took:.2f} s = {expected / took:,.0f}/s")

        latencies = []
        for n in range(samples):
            await rt.service(GreyMatterService).create(_request(f"L-{n}"))
            before = len(arrivals.times)
            started = time.monotonic()
            await rt.scheduler.advance(1)
            await arrivals.wait_for(before + 1)
            latest = max(arrivals.times.values())
            latencies.append((latest - started) * 1000)
        print(
            f"latency: state change -> receiver, {samples} samples: "
            f"p50 {statistics.median(latencies):.1f} ms, p99 {_pct(latencies, 0.99):.1f} ms"
        )
    finally:
        await rt.stop()
        if arrivals is not None:
            arrivals.proc.terminate()
            await arrivals.proc.wait()
            arrivals.task.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        asyncio.run(_serve(args.receiver))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        print(f"pickbay webhooks bench on {url.split('://')[0]}")
        asyncio.run(bench(url, args.requests, args.samples))


if __name__ == "__main__":
    main()
