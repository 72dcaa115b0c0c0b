"""Timers: fired in due order on the clock, exactly once, and surviving restarts."""

import heapq
import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.api.faults import FaultIn, fault_values
from pickbay.core.timers import TimerKind, TimerRequest
from pickbay.engine import scheduler
from pickbay.engine.tenancy import Caller
from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from pickbay.store import timers
from pickbay.store.timers import Timer
from pickbay.vendors.pickup_cloud.model import OrderKind, PickupState
from pickbay.vendors.pickup_cloud.service import NewArticle, NewPickupOrder, PickupCloudService
from tests.conftest import T0, paused_clock, settings_for

KIND = TimerKind("tests", "step")


async def test_advance_fires_due_timers_in_order_at_their_due_time(runtime: Runtime) -> None:
    seen: list[tuple[int, object]] = []

    async def handler(conn: AsyncConnection, timer: Timer) -> None:
        seen.append((timer.payload["n"], runtime.clock.now() - T0))
        if timer.payload["n"] == 1:  # a timer may plan another one inside the window
            await timers.add(
                conn, [(None, TimerRequest(T0 + timedelta(seconds=3), KIND, {"n": 15}))]
            )

    runtime.scheduler.register(KIND, handler)
    async with runtime.db.transaction() as conn:
        await timers.add(
            conn,
            [
                (None, TimerRequest(T0 + timedelta(seconds=10), KIND, {"n": 3})),
                (None, TimerRequest(T0 + timedelta(seconds=2), KIND, {"n": 1})),
                (None, TimerRequest(T0 + timedelta(seconds=5), KIND, {"n": 2})),
                (None, TimerRequest(T0 + timedelta(seconds=99), KIND, {"n": 4})),
            ],
        )
    fired = await runtime.scheduler.advance(60)
    assert fired == 4
    assert seen == [
        (1, timedelta(seconds=2)),
        (15, timedelta(seconds=3)),
        (2, timedelta(seconds=5)),
        (3, timedelta(seconds=10)),
    ]
    assert runtime.clock.now() == T0 + timedelta(seconds=60)
    async with runtime.db.transaction() as conn:
        assert [t.payload["n"] for t in await timers.pending(conn)] == [4]


@pytest.mark.parametrize("faults", [False, True])
async def test_many_timers_and_the_steps_they_plan_fire_in_due_order(
    runtime: Runtime, faults: bool
) -> None:
    """Read in batches and fired in runs per transaction (or one by one while a fault may hold
    a step), timers still fire exactly as a queue by due time (then by when they were stored)
    would: a step a handler plans before the timers read after it is read anew first."""
    if faults:  # a fault on another machine: each timer is asked whether it is held
        spec = FaultIn(vendor="itempath", slow=2.0)
        await runtime.faults.create(fault_values(spec, runtime.clock.now()))
    rng = random.Random(7)
    seen: list[int] = []
    planned: dict[int, int] = {}  # n -> the delay (seconds) of the step n plans, if it plans one

    async def handler(conn: AsyncConnection, timer: Timer) -> None:
        n = timer.payload["n"]
        seen.append(n)
        if n in planned:
            at = runtime.clock.now() + timedelta(seconds=planned[n])
            await timers.add(conn, [(None, TimerRequest(at, KIND, {"n": 1000 + n}))])

    runtime.scheduler.register(KIND, handler)
    due = {n: rng.randrange(0, 600) for n in range(300)}
    planned = {n: rng.randrange(0, 120) for n in range(0, 300, 3)}
    async with runtime.db.transaction() as conn:
        await timers.add(
            conn,
            [
                (None, TimerRequest(T0 + timedelta(seconds=s), KIND, {"n": n}))
                for n, s in due.items()
            ],
        )
    # The oracle: a queue by (due time, order stored).
    queue = [(s, n, n) for n, s in due.items()]
    heapq.heapify(queue)
    stored = len(queue)
    expected = []
    while queue:
        at, _, n = heapq.heappop(queue)
        expected.append(n)
        if n in planned:
            heapq.heappush(queue, (at + planned[n], stored, 1000 + n))
            stored += 1
    assert await runtime.scheduler.advance(3600) == len(expected)
    assert seen == expected


async def month_log(url: str) -> list[tuple[object, ...]]:
    """The event log of a small pharmacy month played by one advance, on a seeded sandbox."""
    rt = Runtime(settings_for(url, seed=7), clock=paused_clock())
    await rt.start()
    try:
        service = rt.service(PickupCloudService)
        for n in range(60):
            script = f"$pickup-{n * 2880 + 60}-{n * 2880 + 3660}"
            await service.create(
                "dev",
                NewPickupOrder(
                    kind=OrderKind.ONE_TIME,
                    order_number=f"M-{n}",
                    articles=[NewArticle("A", "a", 1)],
                    related_notes=script,
                ),
            )
        for n in range(5):
            await service.create(
                "dev",
                NewPickupOrder(
                    kind=OrderKind.RECURRENT,
                    order_number=f"R-{n}",
                    articles=[NewArticle("B", "b", 1, interval=7)],
                    start_date=T0 + timedelta(days=1),
                    end_date=T0 + timedelta(days=29),
                ),
            )
        await rt.scheduler.advance(30 * 86400)
        async with rt.db.read() as conn:
            log = await event_log.read(conn, since=0, limit=100_000)
        return [(e.seq, e.type, e.at, e.order_id, e.payload) for e in log]
    finally:
        await rt.stop()


async def test_a_month_in_runs_writes_the_log_that_firing_one_by_one_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_runs = await month_log(f"sqlite+aiosqlite:///{tmp_path}/runs.db")
    monkeypatch.setattr(scheduler, "BATCH", 1)
    monkeypatch.setattr(scheduler, "RUN", 1)
    one_by_one = await month_log(f"sqlite+aiosqlite:///{tmp_path}/one.db")
    assert len(in_runs) > 300
    assert in_runs == one_by_one  # the same events, in the same order, at the same times


async def test_a_failing_handler_drops_its_timer_and_the_rest_still_fire(runtime: Runtime) -> None:
    seen: list[int] = []

    async def handler(conn: AsyncConnection, timer: Timer) -> None:
        if timer.payload["n"] == 1:
            raise RuntimeError("boom")
        seen.append(timer.payload["n"])

    runtime.scheduler.register(KIND, handler)
    async with runtime.db.transaction() as conn:
        await timers.add(
            conn,
            [(None, TimerRequest(T0, KIND, {"n": 1})), (None, TimerRequest(T0, KIND, {"n": 2}))],
        )
    assert await runtime.scheduler.advance(0) == 1
    assert seen == [2]
    async with runtime.db.transaction() as conn:
        assert await timers.pending(conn) == []


async def test_pending_steps_survive_a_restart(database_url: str) -> None:
    first = Runtime(settings_for(database_url), clock=paused_clock())
    await first.start()
    order = await first.service(PickupCloudService).create(
        "dev",
        NewPickupOrder(
            kind=OrderKind.ONE_TIME,
            order_number="R1",
            articles=[NewArticle("A", "a", 1)],
            related_notes="$pickup-030-060",
        ),
    )
    await first.scheduler.advance(10)
    await first.stop()

    second = Runtime(settings_for(database_url), clock=paused_clock(T0 + timedelta(hours=1)))
    await second.start()
    orders = second.service(PickupCloudService)
    try:
        # the stored clock state wins over the one handed in: still 10 s after creation
        assert second.clock.now() == T0 + timedelta(seconds=10)
        assert (await orders.get_by_number(Caller("dev"), "R1")).state is PickupState.READYFORINPUT
        assert await second.scheduler.advance(25) == 1
        mid = await orders.get_by_number(Caller("dev"), "R1")
        assert mid.state is PickupState.READYFORPICKUP
        assert mid.first_input_at == T0 + timedelta(seconds=30)
        await second.scheduler.advance(30)
        done = await orders.get_by_number(Caller("dev"), "R1")
        assert done.state is PickupState.PICKEDUP
        assert done.picked_up_at == T0 + timedelta(seconds=60)
        async with second.db.transaction() as conn:
            states = [
                e.payload["orderState"]
                for e in await event_log.read(conn, order_id=order.row_id)
                if "orderState" in e.payload
            ]
        assert states == ["READYFORINPUT", "READYFORPICKUP", "PICKEDUP"]
    finally:
        await second.stop()
