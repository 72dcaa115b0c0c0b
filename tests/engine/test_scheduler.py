"""Timers: fired in due order on the clock, exactly once, and surviving restarts."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.timers import TimerKind, TimerRequest
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
