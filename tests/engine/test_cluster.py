"""One deployment of several processes (runtimes here) on one database: leases, one clock,
timers fired once, startup serialized, the cluster view."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from pickbay.bus.backplane import MemoryBackplane
from pickbay.engine.clock import ClockService
from pickbay.engine.cluster import LEASE_SECONDS, Cluster
from pickbay.runtime import Runtime
from pickbay.store import cluster as cluster_store
from pickbay.store import events as event_log
from pickbay.store.db import Database
from pickbay.vendors.pickup_cloud.model import OrderKind
from pickbay.vendors.pickup_cloud.service import NewArticle, NewPickupOrder, PickupCloudService
from tests.conftest import (
    T0,
    FakeWall,
    create_postgres_database,
    drop_postgres_database,
    paused_clock,
    settings_for,
)


class Loop:
    """A role's loop, counting its starts and stops."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0
        self.passes = 0

    async def start(self) -> None:
        self.running = True
        self.starts += 1

    async def stop(self) -> None:
        self.running = False


def member(db: Database, wall: FakeWall) -> tuple[Cluster, Loop]:
    """A process's cluster membership with one role, `work`, on a wall the test moves."""
    cluster = Cluster(db, MemoryBackplane(), ClockService(db, paused_clock()), wall=wall)
    loop = Loop()
    cluster.role("work", loop.start, loop.stop, eligible=True, passes=lambda: loop.passes)
    return cluster, loop


async def test_one_process_holds_a_role_and_another_takes_it_when_its_lease_runs_out(
    database_url: str,
) -> None:
    db = Database(database_url)
    wall = FakeWall()
    (first, first_loop), (second, second_loop) = member(db, wall), member(db, wall)
    try:
        await first._beat()
        await second._beat()
        assert (first_loop.running, second_loop.running) == (True, False)
        assert first.holds("work")
        assert not second.holds("work")

        # The holder stops beating (killed); within the lease the role stays where it was.
        wall.now += timedelta(seconds=LEASE_SECONDS - 0.5)
        await second._beat()
        assert not second_loop.running
        wall.now += timedelta(seconds=1)
        await second._beat()
        assert second_loop.running
        assert second.roles["work"].token == 2

        # The old holder comes back: its renewal fails, it stops its loop and does not retake.
        await first._beat()
        assert not first_loop.running
        assert not first.holds("work")
        view = await second.view()
        assert view["roles"] == [
            {
                "role": "work",
                "holder": second.id,
                "lastHolder": second.id,
                "token": 2,
                "since": wall.now.isoformat(),
                "expiresAt": (wall.now + timedelta(seconds=LEASE_SECONDS)).isoformat(),
                "progressAt": None,
            }
        ]
        # A holder that stops hands the role over at once.
        second_loop.passes += 1
        await second._beat()
        assert (await second.view())["roles"][0]["progressAt"] == wall.now.isoformat()
        await second.stop()
        assert not second_loop.running
        await first._beat()
        assert first_loop.running
        assert first.roles["work"].token == 3
    finally:
        await first.stop()
        await db.dispose()


async def test_an_ineligible_process_never_takes_a_role(database_url: str) -> None:
    db = Database(database_url)
    cluster = Cluster(db, MemoryBackplane(), ClockService(db, paused_clock()), wall=FakeWall())
    loop = Loop()
    cluster.role("work", loop.start, loop.stop, eligible=False, passes=lambda: 0)
    try:
        await cluster._beat()
        assert not loop.running
        assert (await cluster.view())["roles"] == []
    finally:
        await cluster.stop()
        await db.dispose()


def mode(rt: Runtime) -> tuple[bool, float, int]:
    c = rt.clock.clock
    return c.paused, c.speed, rt.clock.version


async def test_a_clock_change_reaches_every_process_before_it_returns(
    deployment: list[Runtime],
) -> None:
    for changer in deployment:
        await changer.clock.set_mode(paused=False, speed=60)
        assert {mode(rt) for rt in deployment} == {mode(changer)}
        assert not changer.clock.clock.paused
        await changer.clock.set_mode(paused=True)
        assert {mode(rt) for rt in deployment} == {mode(changer)}
        # Paused, every process reads the very same time.
        assert len({rt.clock.now() for rt in deployment}) == 1
    before = deployment[0].clock.now()
    await deployment[1].scheduler.advance(3600)
    assert {rt.clock.now() for rt in deployment} == {before + timedelta(hours=1)}


async def test_while_one_process_advances_the_others_hold_writes_until_it_ends(
    deployment: list[Runtime],
) -> None:
    advancer, other, third = deployment
    await advancer.clock.begin_advance()
    # Every process took the change before it returned: the others' gates are shut.
    assert {rt.clock.advancing_by for rt in deployment} == {advancer.cluster.id}
    async with advancer.clock.writing():
        pass  # the advancing process itself writes on
    gate = other.clock.writing()
    held = asyncio.ensure_future(gate.__aenter__())
    await asyncio.sleep(0)
    assert not held.done()
    await advancer.clock.save()
    await asyncio.wait_for(held, timeout=5)
    await gate.__aexit__(None, None, None)
    assert {rt.clock.advancing_by for rt in deployment} == {None}
    # A process that dies advancing does not hold the others for ever: their beat sees it.
    await third.clock.begin_advance()
    await third.cluster.stop()
    await other.cluster._beat_once()
    assert other.clock.advancing_by is None


async def test_advances_from_every_process_at_once_fire_each_timer_once(
    deployment: list[Runtime],
) -> None:
    orders = deployment[0].service(PickupCloudService)
    for n in range(5):
        await orders.create(
            "dev",
            NewPickupOrder(
                kind=OrderKind.ONE_TIME,
                order_number=f"A{n}",
                articles=[NewArticle("A", "a", 1)],
                related_notes="$pickup-030-060",
            ),
        )
    fired = await asyncio.gather(*(rt.scheduler.advance(1800) for rt in deployment))
    async with deployment[0].db.read() as conn:
        log = await event_log.read(conn, since=0, limit=10_000)
    changes = [
        (e.order_id, e.payload["orderState"]) for e in log if e.type == "order.state_changed"
    ]
    assert len(changes) == len(set(changes))  # no step ran twice
    assert sum(fired) == 10  # input and pickup of each order, each fired by one process
    times = [e.at for e in log]
    assert times == sorted(times)
    final = {rt.clock.now() for rt in deployment}
    assert final == {T0 + timedelta(seconds=5400)}  # three advances of 30 minutes, in turn


async def test_processes_started_at_once_on_a_new_database_all_start() -> None:
    url = await create_postgres_database()  # empty: every process finds it to migrate
    runtimes = [Runtime(settings_for(url), clock=paused_clock()) for _ in range(3)]
    try:
        await asyncio.gather(*(rt.start() for rt in runtimes))
        view = await runtimes[0].cluster.view()
        assert len(view["processes"]) == 3  # type: ignore[arg-type]
        holders = {r["role"]: r["holder"] for r in view["roles"]}  # type: ignore[attr-defined]
        assert set(holders) == {"webhooks"}  # the scheduler is off in tests
        assert holders["webhooks"] in {rt.cluster.id for rt in runtimes}
    finally:
        for rt in runtimes:
            await rt.stop()
        await drop_postgres_database(url)


async def test_a_holder_that_cannot_renew_for_a_lease_stops_its_roles(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(database_url)
    wall = FakeWall()
    cluster, loop = member(db, wall)
    try:
        await cluster._beat()
        assert loop.running

        async def unreachable(*_args: object, **_kwargs: object) -> None:
            raise ConnectionError("the database is gone")

        monkeypatch.setattr(cluster_store, "beat", unreachable)
        wall.now += timedelta(seconds=LEASE_SECONDS - 1)
        with pytest.raises(ConnectionError):
            await cluster._beat()
        assert loop.running  # within the lease nobody else may hold it yet
        wall.now += timedelta(seconds=2)
        with pytest.raises(ConnectionError):
            await cluster._beat()
        assert not loop.running
        assert not cluster.holds("work")
        monkeypatch.undo()
        await cluster._beat()  # back: it takes the role again (nobody else did)
        assert loop.running
        assert cluster.roles["work"].token == 2
    finally:
        await cluster.stop()
        await db.dispose()
