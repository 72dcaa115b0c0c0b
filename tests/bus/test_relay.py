"""The event relay: committed events reach subscribers once, in order, in every process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from pickbay.core.events import Event, StoredEvent
from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from tests.conftest import REDIS_URL, T0, paused_clock, settings_for


async def append(rt: Runtime, *names: str) -> None:
    async with rt.db.transaction() as conn:
        await event_log.append(
            conn,
            dialect="test",
            tenant="t",
            order_id=None,
            new=[Event(name, T0, {"name": name}) for name in names],
        )


def listen(rt: Runtime) -> asyncio.Queue[StoredEvent]:
    queue: asyncio.Queue[StoredEvent] = asyncio.Queue()
    rt.relay.subscribe(lambda batch: [queue.put_nowait(e) for e in batch])
    return queue


async def names(queue: asyncio.Queue[StoredEvent], count: int) -> list[str]:
    return [(await asyncio.wait_for(queue.get(), timeout=5)).type for _ in range(count)]


async def test_committed_events_are_delivered_once_in_order(runtime: Runtime) -> None:
    got = listen(runtime)
    await append(runtime, "a", "b")
    await append(runtime, "c")
    assert await names(got, 3) == ["a", "b", "c"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(got.get(), timeout=0.2)  # nothing twice


async def test_rolled_back_events_are_never_delivered(runtime: Runtime) -> None:
    got = listen(runtime)
    with pytest.raises(RuntimeError):
        async with runtime.db.transaction() as conn:
            await event_log.append(
                conn, dialect="test", tenant="t", order_id=None, new=[Event("lost", T0)]
            )
            raise RuntimeError("roll back")
    await append(runtime, "kept")
    assert await names(got, 1) == ["kept"]


async def test_an_event_that_commits_after_a_later_one_still_arrives(postgres_url: str) -> None:
    """PostgreSQL numbers events at insert: seq 1 can commit after seq 2."""
    rt = Runtime(settings_for(postgres_url), clock=paused_clock())
    await rt.start()
    try:
        got = listen(rt)
        slow = rt.db.engine.connect()
        conn = await slow.__aenter__()
        await conn.begin()
        await event_log.append(
            conn, dialect="test", tenant="t", order_id=None, new=[Event("first", T0)]
        )
        await append(rt, "second")
        assert await names(got, 1) == ["second"]
        await conn.commit()
        await slow.__aexit__(None, None, None)
        rt.relay.committed()  # this commit went around Database.transaction
        assert await names(got, 1) == ["first"]
    finally:
        await rt.stop()


@pytest.fixture
async def two_processes(postgres_url: str) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two runtimes on one PostgreSQL and one Redis, as two `pickbay serve` would be."""
    prefix = f"pickbay-test-{uuid.uuid4().hex[:8]}:"
    runtimes = []
    for _ in range(2):
        rt = Runtime(settings_for(postgres_url, redis_url=REDIS_URL), clock=paused_clock())
        rt.backplane._prefix = prefix  # type: ignore[attr-defined]
        rt.relay.poll_interval = 3600  # only the backplane can wake a relay in time
        runtimes.append(rt)
    for rt in runtimes:
        await rt.start()
    try:
        yield runtimes[0], runtimes[1]
    finally:
        for rt in runtimes:
            await rt.stop()


async def test_a_commit_in_one_process_reaches_the_other_at_once(
    two_processes: tuple[Runtime, Runtime],
) -> None:
    writer, reader = two_processes
    got = listen(reader)
    await append(writer, "across")
    assert await names(got, 1) == ["across"]
