"""A pharmacy month in one fast-forward: how fast the engine fires what falls due.

On a paused clock: N Pickup Cloud orders whose demo scripts put their input at one of N
points spread over 30 days (and their pickup an hour later), plus R recurrent orders (weekly
for four weeks, never collected, so they expire); then one advance of 30 days, as
`POST /pickbay/v1/clock/advance {"seconds": 2592000}` does. Printed per database: timers
fired, events written, wall and CPU seconds of the advance, timers per second.

    python bench/fastforward.py [--orders 10000] [--recurrent 200]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--sqlite-only]

Run with `PYTHONPATH=<another checkout>/src` to measure that tree the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta

from pickbay.config import Settings
from pickbay.core.clock import Clock, ClockState, system_wall
from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from pickbay.vendors.pickup_cloud.model import OrderKind
from pickbay.vendors.pickup_cloud.service import NewArticle, NewPickupOrder, PickupCloudService
from scenario import drop_postgres, fresh_postgres  # this folder's: a new PostgreSQL database

DAYS = 30
START = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


async def month(url: str, orders: int, recurrent: int) -> tuple[int, int, float, float]:
    """Timers fired, events written, wall and CPU seconds of the advance."""
    wall = system_wall()
    clock = Clock(ClockState(START, wall, paused=True, speed=1.0))
    rt = Runtime(Settings(database_url=url, scheduler=False, webhooks=False), clock=clock)
    await rt.start()
    try:
        service = rt.service(PickupCloudService)
        every = DAYS * 86400 // max(orders, 1)
        for n in range(orders):
            script = f"$pickup-{n * every + 60}-{n * every + 3660}"
            await service.create(
                "dev",
                NewPickupOrder(
                    kind=OrderKind.ONE_TIME,
                    order_number=f"M-{n:05}",
                    articles=[NewArticle("5948912001188", "Aspirin 500 mg", 1)],
                    related_notes=script,
                ),
            )
        for n in range(recurrent):
            await service.create(
                "dev",
                NewPickupOrder(
                    kind=OrderKind.RECURRENT,
                    order_number=f"R-{n:03}",
                    articles=[NewArticle("4006381333931", "Insulin pen", 1, interval=7)],
                    start_date=START + timedelta(days=1),
                    end_date=START + timedelta(days=29),
                ),
            )
        async with rt.db.read() as conn:
            before = await event_log.last_seq(conn)
        started, cpu = time.perf_counter(), time.process_time()
        fired = await rt.scheduler.advance(DAYS * 86400)
        took, used = time.perf_counter() - started, time.process_time() - cpu
        async with rt.db.read() as conn:
            events = await event_log.last_seq(conn) - before
        return fired, events, took, used
    finally:
        await rt.stop()


async def on_postgres(base: str, orders: int, recurrent: int) -> tuple[int, int, float, float]:
    """The month on a new database beside the one `base` names, dropped afterwards."""
    url, name = await fresh_postgres(base)
    try:
        return await month(url, orders, recurrent)
    finally:
        await drop_postgres(base, name)


def main() -> None:
    """The month on SQLite, then on PostgreSQL."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--orders", type=int, default=10_000)
    p.add_argument("--recurrent", type=int, default=200)
    p.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    p.add_argument("--sqlite-only", action="store_true")
    args = p.parse_args()
    print(
        f"{args.orders} orders with demo scripts, {args.recurrent} recurrent, {DAYS} days at once"
    )
    with tempfile.TemporaryDirectory() as folder:
        runs = [
            ("SQLite", month(f"sqlite+aiosqlite:///{folder}/month.db", args.orders, args.recurrent))
        ]
        if not args.sqlite_only:
            runs.append(("PostgreSQL", on_postgres(args.postgres, args.orders, args.recurrent)))
        for label, run in runs:
            fired, events, took, used = asyncio.run(run)
            print(
                f"{label:<11} {fired:,} timers, {events:,} events in {took:.1f} s "
                f"({used:.1f} s CPU): {fired / took:,.0f} timers/s, {events / took:,.0f} events/s"
            )


if __name__ == "__main__":
    main()
