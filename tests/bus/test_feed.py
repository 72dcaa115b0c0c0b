"""The feed: readers wait for the relay, wake when it reads more, and are released on close."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pickbay.bus.feed import Feed
from pickbay.core.events import StoredEvent
from pickbay.runtime import Runtime
from tests.bus.test_relay import append
from tests.conftest import T0


async def test_a_reader_wakes_when_the_relay_reads_past_what_it_saw(runtime: Runtime) -> None:
    feed = runtime.feed
    seen = feed.head
    assert await feed.wait(seen, 0.01) is False
    waiting = asyncio.ensure_future(feed.wait(seen, 5))
    await asyncio.sleep(0)
    await append(runtime, "a", "b")
    assert await waiting is True
    assert feed.head == seen + 2
    assert await feed.wait(seen, 5) is True  # already past: no wait at all
    assert await feed.wait_for(seen + 2, 5) == seen + 2


async def test_closing_releases_every_reader(runtime: Runtime) -> None:
    feed = runtime.feed
    readers = [asyncio.ensure_future(feed.wait(feed.head, 30)) for _ in range(3)]
    await asyncio.sleep(0)
    feed.close()
    assert await asyncio.gather(*readers) == [False, False, False]
    assert await feed.wait(feed.head, 30) is False


class FakeRelay:
    """What the feed uses of a relay: its cursors and its subscription."""

    def __init__(self, cursor: int) -> None:
        self.cursor = self.safe_cursor = cursor
        self.deliver: Callable[[list[StoredEvent]], None] = lambda _: None

    def subscribe(self, subscriber: Callable[[list[StoredEvent]], None]) -> None:
        self.deliver = subscriber


def event(seq: int) -> StoredEvent:
    return StoredEvent(seq, "t", T0, "d", "x", None, {})


def test_recent_events_are_kept_in_order_and_older_ones_are_not_claimed() -> None:
    relay = FakeRelay(cursor=10)
    feed = Feed(relay, keep=3)  # type: ignore[arg-type]
    assert feed.recent(10, 20) is None  # not started: nothing is claimed
    feed.start()
    relay.deliver([event(11), event(13)])
    relay.deliver([event(12)])  # a gap that filled late
    assert [e.seq for e in feed.recent(10, 13) or []] == [11, 12, 13]
    assert [e.seq for e in feed.recent(11, 12) or []] == [12]
    assert feed.recent(9, 13) is None  # before the start: read the log
    relay.deliver([event(14), event(14)])  # delivered twice: kept once
    assert [e.seq for e in feed.recent(11, 14) or []] == [12, 13, 14]
    assert feed.recent(10, 14) is None  # 11 was dropped to keep three
