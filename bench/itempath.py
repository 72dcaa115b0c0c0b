"""ItemPath list latency of one pickbay process with 100,000 orders stored.

Fills a database with 100,000 ItemPath orders (two lines each, a custom field on a third),
starts `pickbay serve` on it (one process, no access log), logs in, and times GET /api/orders
from one keep-alive client: a filtered, ordered, paged query, a countOnly query, and, for
contrast, a custom-field filter and a [like] search that no index can serve. On PostgreSQL
the load ends with ANALYZE, as autovacuum would. Prints p50/p99 per query.

    python bench/itempath.py [--orders 100000] [--requests 400] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

from pickbay.store.db import Database
from pickbay.store.tables import orders
from pickbay.vendors.itempath.model import Direction, OrderStatus
from pickbay.vendors.itempath.tables import itempath_fields, itempath_lines, itempath_orders

START = datetime(2030, 1, 1, tzinfo=UTC)
STATUSES = [s.value for s in OrderStatus]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", None]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rows(n: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The shared order row, the ItemPath row and two line rows of order n."""
    modified = START + timedelta(minutes=n * 3 + rng.randrange(3))
    direction = rng.choice(list(Direction))
    status = rng.choice(STATUSES)
    order_uuid = str(uuid.UUID(int=rng.getrandbits(128))).upper()
    shared = {
        "id": n + 1,
        "dialect": "itempath",
        "tenant": "default",
        "number": f"ORDER-{n:06d}",
        "kind": direction.name.lower(),
        "state": status,
        "created_at": modified,
        "updated_at": modified,
        "version": 1,
        "data": {"uuid": order_uuid},
    }
    own = {
        "order_id": n + 1,
        "uuid": order_uuid,
        "name": f"ORDER-{n:06d}",
        "direction_type": int(direction),
        "priority": rng.randrange(1, 5),
        "status": status,
        "has_stock": rng.randrange(2),
        "incomplete_allocations": 0,
        "order_type": 1,
        "allocate": False,
        "count_empty_locations": False,
        **{f"info{i}": rng.choice(WORDS) for i in range(1, 6)},
        "deadline": modified + timedelta(days=rng.randrange(1, 5)),
        "warehouse_name": "Warehouse",
        "owner": None,
        "recipient": None,
        "unit": None,
        "handling_unit": None,
        "created_date": modified,
        "modified_date": modified,
        "data": {},
    }
    lines = [
        {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))).upper(),
            "order_id": n + 1,
            "order_uuid": order_uuid,
            "direction_type": int(direction),
            "number": k,
            "material_uuid": "8E7EC42A-F2B2-4B64-BF71-750F006DEF8D",
            "material_name": "S103",
            "quantity": 1.0,
            "quantity_confirmed": 0.0,
            "quantity_deviated": 1.0,
            "quantity_requested": 0.0,
            "allocated": 0.0,
            "lot": None,
            "serial_number": str(k),
            "qualification": None,
            "host_identification": None,
            **{f"info{i}": None for i in range(1, 6)},
            "status": "queued",
            "modified_date": modified,
            "data": {},
        }
        for k in (1, 2)
    ]
    return shared, own, lines


async def fill(url: str, count: int) -> float:
    """Store `count` orders in batches; returns the seconds it took."""
    db = Database(url)
    await db.migrate()
    rng = random.Random(7)
    began = time.perf_counter()
    batch = 5000
    for first in range(0, count, batch):
        built = [rows(n, rng) for n in range(first, min(first + batch, count))]
        async with db.transaction() as conn:
            await conn.execute(insert(orders), [b[0] for b in built])
            await conn.execute(insert(itempath_orders), [b[1] for b in built])
            await conn.execute(insert(itempath_lines), [line for b in built for line in b[2]])
            await conn.execute(
                insert(itempath_fields),
                [
                    {"order_id": b[1]["order_id"], "name": "ORDERNOTE", "value": f"note {i % 97}"}
                    for i, b in enumerate(built)
                    if i % 3 == 0
                ],
            )
    if not db.is_sqlite:
        # What autovacuum does within a minute of a bulk load; without statistics the
        # planner guesses a handful of rows per status and picks poor plans.
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    await db.dispose()
    return time.perf_counter() - began


@contextmanager
def serve(url: str, port: int) -> Iterator[str]:
    env = {
        **os.environ,
        "PICKBAY_DATABASE_URL": url,
        "PICKBAY_ITEMPATH_SANDBOX_MATERIALS": "true",
    }
    cmd = [sys.executable, "-m", "pickbay", "serve", "--port", str(port), "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("pickbay did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def queries(rng: random.Random, count: int) -> dict[str, list[str]]:
    """Each query shape with varied values, so no answer is the same twice in a row."""
    span = count * 3

    def day() -> str:
        return (START + timedelta(minutes=rng.randrange(span))).strftime("%Y-%m-%dT%H:%M:%S")

    return {
        "filtered+ordered+paged": [
            f"status={rng.choice(STATUSES)}&priority=[gte]3&modifiedDate=[gt]{day()}"
            f"&orderBy=-modifiedDate&limit=50&offset={rng.randrange(0, 200)}"
            for _ in range(64)
        ],
        "countOnly": [
            f"status={rng.choice(STATUSES)}&directionType={rng.choice(['pick', 'put'])}"
            "&countOnly=true"
            for _ in range(64)
        ],
        "dynamic field + paged": [
            f"ORDERNOTE=note {rng.randrange(97)}&orderBy=name&limit=25" for _ in range(64)
        ],
        "[like] scan (no index)": [
            f"Info1=[like]{rng.choice(['alp', 'rav', 'elt'])}&limit=50&offset={rng.randrange(500)}"
            for _ in range(64)
        ],
    }


def measure(base: str, token: str, shapes: dict[str, list[str]], requests: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for name, variants in shapes.items():
            for q in variants[:8]:  # warm the page cache and the statement cache
                client.get("/api/orders?" + q).raise_for_status()
            times = []
            for i in range(requests):
                began = time.perf_counter()
                r = client.get("/api/orders?" + variants[i % len(variants)])
                times.append((time.perf_counter() - began) * 1000)
                r.raise_for_status()
            print(
                f"  {name:<26} p50 {pct(times, 50):6.1f} ms   p99 {pct(times, 99):6.1f} ms"
                f"   ({requests} requests)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        took = asyncio.run(fill(url, args.orders))
        print(f"stored {args.orders:,} orders ({2 * args.orders:,} lines) in {took:.1f} s")
        with serve(url, free_port()) as base:
            login = httpx.post(
                base + "/api/users/login", json={"username": "admin", "password": "admin"}
            )
            token = login.json()["accessToken"]
            print(f"GET /api/orders, one process, {url.split(':', 1)[0]}, one client:")
            measure(base, token, queries(random.Random(11), args.orders), args.requests)


if __name__ == "__main__":
    main()
