"""One contract for every backplane, run against memory and against a real Redis."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis

from pickbay.bus.backplane import Backplane, MemoryBackplane, RedisBackplane
from tests.conftest import REDIS_URL
from tests.signalr.peers import free_port

Peers = Callable[[], Awaitable[Backplane]]


@pytest.fixture(params=["memory", "redis"])
async def peers(request: pytest.FixtureRequest) -> AsyncIterator[Peers]:
    """A factory of backplanes that share one bus, as the processes of one site would."""
    made: list[Backplane] = []
    shared = MemoryBackplane()
    prefix = f"pickbay-test-{uuid.uuid4().hex[:8]}:"

    async def make() -> Backplane:
        if request.param == "memory":
            return shared
        backplane = RedisBackplane(REDIS_URL, prefix=prefix)
        await backplane.start()
        made.append(backplane)
        return backplane

    yield make
    for backplane in made:
        await backplane.close()


async def collect(backplane: Backplane, channel: str) -> asyncio.Queue[bytes]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    await backplane.subscribe(channel, queue.put_nowait)
    return queue


async def take(queue: asyncio.Queue[bytes], count: int) -> list[bytes]:
    return [await asyncio.wait_for(queue.get(), timeout=5) for _ in range(count)]


async def test_every_message_arrives_once_and_in_order(peers: Peers) -> None:
    sender, receiver = await peers(), await peers()
    got = await collect(receiver, "orders")
    for i in range(200):
        await sender.publish("orders", str(i).encode())
    assert await take(got, 200) == [str(i).encode() for i in range(200)]
    assert got.empty()


async def test_each_subscriber_gets_its_own_copy(peers: Peers) -> None:
    sender, a, b = await peers(), await peers(), await peers()
    got_a, got_b = await collect(a, "c"), await collect(b, "c")
    await sender.publish("c", b"x")
    assert await take(got_a, 1) == [b"x"]
    assert await take(got_b, 1) == [b"x"]


async def test_channels_are_separate_and_unsubscribe_stops_delivery(peers: Peers) -> None:
    sender, receiver = await peers(), await peers()
    one: asyncio.Queue[bytes] = asyncio.Queue()
    two: asyncio.Queue[bytes] = asyncio.Queue()
    stop_one = await receiver.subscribe("one", one.put_nowait)
    await receiver.subscribe("two", two.put_nowait)
    await sender.publish("one", b"1")
    await sender.publish("two", b"2")
    assert await take(one, 1) == [b"1"]
    assert await take(two, 1) == [b"2"]
    stop_one()
    await sender.publish("one", b"lost")
    await sender.publish("two", b"marker")
    assert await take(two, 1) == [b"marker"]  # "one" was published before it: it is not coming
    assert one.empty()


async def test_a_failing_subscriber_does_not_starve_the_others(peers: Peers) -> None:
    sender, receiver = await peers(), await peers()

    def broken(_message: bytes) -> None:
        raise RuntimeError("subscriber bug")

    await receiver.subscribe("c", broken)
    got = await collect(receiver, "c")
    await sender.publish("c", b"still here")
    assert await take(got, 1) == [b"still here"]


async def test_a_redis_that_is_down_at_start_is_joined_when_it_comes_up() -> None:
    """The backplane starts without Redis, and rings every channel once when it joins."""
    port = free_port()
    backplane = RedisBackplane(f"redis://127.0.0.1:{port}/0", retry_seconds=0.2)
    await backplane.start()
    redis_server = None
    try:
        assert not backplane.connected
        assert not await backplane.ping()
        rung = await collect(backplane, "events")
        with pytest.raises(redis.ConnectionError):
            await backplane.publish("events", b"lost")
        redis_server = await asyncio.create_subprocess_exec(
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            stdout=subprocess.DEVNULL,
        )
        assert await asyncio.wait_for(rung.get(), timeout=20) == b""  # the ring on joining
        assert backplane.connected
        assert await backplane.ping()
        await backplane.publish("events", b"after")
        assert await asyncio.wait_for(rung.get(), timeout=5) == b"after"
    finally:
        await backplane.close()
        if redis_server is not None:
            redis_server.terminate()
            await asyncio.wait_for(redis_server.wait(), timeout=10)


async def test_a_value_one_process_keeps_is_read_by_another_until_it_expires(
    peers: Peers,
) -> None:
    writer, reader = await peers(), await peers()
    await writer.put({"a": b"1", "b": b"2"}, ttl=60)
    assert (await reader.get("a"), await reader.get("b"), await reader.get("c")) == (
        b"1",
        b"2",
        None,
    )
    await writer.put({"a": b"3"}, ttl=0.001)
    for _ in range(100):  # gone within a wall second (Redis's expiry is wall time)
        if await reader.get("a") is None:
            break
        await asyncio.sleep(0.01)
    assert await reader.get("a") is None
    assert await reader.get("b") == b"2"
