"""A pharmacy month by fast-forward: a scenario played by `pickbay scenario run`.

10,000 Pickup Cloud orders over 30 virtual days (one every 259 s, each stored by the robot
10 minutes after it arrives and collected an hour later), 200 recurrent orders made on the
first day (weekly for four weeks, never collected, so they expire), a robot outage of two
hours every five days, and 503s on 2% of the creates for the first ten days. The runner
fast-forwards the clock from step to step; nothing waits for wall time. Printed: wall time,
requests, timers and events, and events per second, on SQLite and on PostgreSQL.

    python bench/scenario.py [--orders 10000] [--recurrent 200] [--days 30]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

ARTICLE = {"scanCode": "5948912001188", "name": "Aspirin 500 mg", "quantityOrdered": 1}


def month(orders: int, recurrent: int, days: int) -> dict[str, Any]:
    """The scenario."""
    every = days * 86400 / orders
    steps: list[dict[str, Any]] = [
        {
            "name": "webshop orders",
            "every": every,
            "count": orders,
            "request": {
                "api": "pickup_cloud",
                "as": "pharmacy",
                "method": "POST",
                "path": "/api/v2/orders",
                "status": [200, 503],
                "body": {
                    "orderNumber": "M-{n:5}",
                    "relatedNotes": "$pickup-600-3600",
                    "articles": [ARTICLE],
                },
            },
        },
        {
            "name": "recurrent orders",
            "every": "7m",
            "count": recurrent,
            "request": {
                "api": "pickup_cloud",
                "as": "pharmacy",
                "method": "POST",
                "path": "/api/v2/recurrentorders",
                "body": {
                    "orderNumber": "R-{n:3}",
                    "startDate": "{date+1}T00:00:00",
                    "endDate": "{date+29}T00:00:00",
                    "articles": [{**ARTICLE, "interval": 7}],
                },
            },
        },
        {
            "name": "503s on creates",
            "fault": {
                "vendor": "pickup_cloud",
                "method": "POST",
                "path": "/api/v2/orders",
                "status": 503,
                "retryAfter": 5,
                "probability": 0.02,
                "seconds": 10 * 86400,
            },
        },
    ]
    for day in range(2, days, 5):
        steps.append(
            {
                "name": f"robot outage on day {day}",
                "at": f"{day}d",
                "fault": {"vendor": "pickup_cloud", "offline": True, "seconds": 7200},
            }
        )
    return {
        "name": "pharmacy month",
        "start": "2030-01-01T00:00:00Z",
        "end": f"{days}d2h",
        "seed": 1,
        "steps": steps,
        "expect": [
            {"events": {"type": "fault.fired", "api": "pickup_cloud", "min": 1}},
            {"orders": {"api": "pickup_cloud", "number": "R-*", "count": recurrent}},
        ],
    }


def run(plan: Path, database: str | None) -> tuple[float, str]:
    """Wall seconds of `pickbay scenario run`, and what it printed."""
    args = [sys.executable, "-m", "pickbay", "scenario", "run", str(plan)]
    if database is not None:
        args += ["--database", database]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout + done.stderr)
    return took, done.stdout


async def fresh_postgres(url: str) -> tuple[str, str]:
    """A new empty database beside the one `url` names: its URL and name."""
    name = f"pickbay_bench_{uuid.uuid4().hex[:8]}"
    plain = url.replace("+asyncpg", "")
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.rsplit("/", 1)[0] + "/" + name, name


async def drop_postgres(url: str, name: str) -> None:
    """Drop the database made for the run."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> None:
    """Play the month on each database and print what it took."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--orders", type=int, default=10_000)
    p.add_argument("--recurrent", type=int, default=200)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    p.add_argument("--sqlite-only", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plan = Path(folder) / "month.json"
        plan.write_text(json.dumps(month(args.orders, args.recurrent, args.days)))
        targets: list[tuple[str, str | None]] = [("SQLite", None)]
        if not args.sqlite_only:
            targets.append(("PostgreSQL", args.postgres))
        print(f"{args.orders} orders, {args.recurrent} recurrent, {args.days} days")
        for label, base in targets:
            made = asyncio.run(fresh_postgres(base)) if base else None
            try:
                took, printed = run(plan, made[0] if made else None)
            finally:
                if made and base:
                    asyncio.run(drop_postgres(base, made[1]))
            summary = printed.splitlines()[1].strip()
            counts = summary.split(", ")
            events = int(next(c for c in counts if c.endswith(" events")).split()[0])
            timers = int(next(c for c in counts if c.endswith("timers fired")).split()[0])
            verdict = printed.splitlines()[0].rsplit(": ", 1)[1]
            print(
                f"{label:<11} {took:7.1f} s wall (with start and stop), {summary}; "
                f"{events / took:,.0f} events/s, {timers / took:,.0f} timers/s; {verdict}"
            )


if __name__ == "__main__":
    main()
