"""The event feed of one pickbay process: reading pages, and latency of the SSE stream.

pickbay runs in a thread of this process (as `pickbay.testing` runs it) on a fresh database.
The stream's readers run in a second process, so they do not share this one's interpreter.

- pages: after `--orders` Pickup Cloud orders (two events each), one reader pages through the
  whole log with `GET /pickbay/v1/events?limit=1000`: events read per second.
- stream latency: `--clients` SSE streams are open with the admin token; one order at a time
  is created over REST; the time from sending that request to each stream's receipt of the
  order's first event, p50/p99 over every stream and sample.

    python bench/feed.py [--orders 5000] [--clients 100] [--samples 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from pickbay import testing

ADMIN = {"Authorization": "Bearer dev"}
KEY = {"x-api-key": "dev", "Content-Type": "application/json"}


# ---------------------------------------------------------------------- the readers' process


async def _read(url: str, clients: int) -> None:
    out = sys.stdout
    seen: list[str] = []  # written at the end: a full pipe must not stall the readers

    async def one(session: aiohttp.ClientSession, n: int, ready: asyncio.Event) -> None:
        async with session.get(url + "/pickbay/v1/events/stream", headers=ADMIN) as r:
            ready.set()
            async for line in r.content:
                if line.startswith(b"data: "):
                    arrived = time.monotonic()
                    event = orjson.loads(line[6:])
                    if event["type"] == "order.state_changed":
                        seen.append(f"{n} {event['payload']['orderNumber']} {arrived}\n")

    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        flags = [asyncio.Event() for _ in range(clients)]
        tasks = [asyncio.create_task(one(session, n, f)) for n, f in enumerate(flags)]
        for f in flags:
            await f.wait()
        out.write("ready\n")
        out.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        for t in tasks:
            t.cancel()
        out.write("".join(seen))
        out.flush()


# ---------------------------------------------------------------------- the measurements


async def _order(session: aiohttp.ClientSession, url: str, number: str) -> None:
    body = {
        "orderNumber": number,
        "articles": [{"scanCode": "1", "name": "x", "quantityOrdered": 1}],
    }
    async with session.post(url + "/api/v2/orders", data=orjson.dumps(body), headers=KEY) as r:
        assert r.status == 200, await r.text()


async def pages(url: str, orders: int) -> tuple[int, float]:
    """Events read per second through the paged feed (after creating `orders` orders)."""
    async with aiohttp.ClientSession() as session:
        for start in range(0, orders, 50):
            await asyncio.gather(
                *(_order(session, url, f"P-{n}") for n in range(start, min(orders, start + 50)))
            )
        since, read = 0, 0
        began = time.perf_counter()
        while True:
            query = f"{url}/pickbay/v1/events?since={since}&limit=1000"
            async with session.get(query, headers=ADMIN) as r:
                page = orjson.loads(await r.read())
            read += len(page["events"])
            since = page["next"]
            if not page["more"]:
                break
        return read, read / (time.perf_counter() - began)


async def latency(url: str, clients: int, samples: int) -> list[float]:
    """Milliseconds from sending an order to each stream's receipt of its first event."""
    readers = subprocess.Popen(  # noqa: ASYNC220 (started once, before anything is timed)
        [sys.executable, __file__, "--readers", url, "--clients", str(clients)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert readers.stdout is not None
    assert readers.stdin is not None
    assert readers.stdout.readline().strip() == "ready"
    sent: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        for n in range(samples):
            number = f"L{clients}-{n}"
            sent[number] = time.monotonic()
            await _order(session, url, number)
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
    readers.stdin.close()
    out = readers.stdout.read()
    readers.wait()
    ms = []
    for line in out.splitlines():
        _, number, arrived = line.split()
        if number in sent:
            ms.append((float(arrived) - sent[number]) * 1000)
    assert len(ms) == clients * samples, f"{len(ms)} of {clients * samples} arrived"
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--readers", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.readers:
        asyncio.run(_read(args.readers, args.clients))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        server = testing.start(testing.settings(url))
        try:
            read, per_second = asyncio.run(pages(server.url, args.orders))
            print(f"pages: {read:,} events read at {per_second:,.0f} events/s")
            for clients in (1, args.clients):
                ms = sorted(asyncio.run(latency(server.url, clients, args.samples)))
                p50 = statistics.median(ms)
                p99 = ms[int(len(ms) * 0.99) - 1]
                print(
                    f"stream latency, {clients} client(s): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                    f" ({len(ms):,} receipts)"
                )
        finally:
            testing.stop(server)


if __name__ == "__main__":
    main()
