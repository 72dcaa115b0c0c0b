"""The board on both databases: orders across dialects, paged; the event log paged by scope."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pickbay.app import create_app
from pickbay.engine.board import OrderFilter, Scope
from pickbay.runtime import Runtime
from tests.api.mixed import one_of_each


@pytest.fixture
async def http(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The vendors' APIs on `runtime` (its lifespan is the runtime fixture's)."""
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
        yield c


async def test_orders_filter_and_page_newest_first(
    runtime: Runtime, http: httpx.AsyncClient
) -> None:
    for n in range(3):
        await one_of_each(http, f"N-{n}")
    board = runtime.board
    everything, head = await board.orders(OrderFilter(), limit=100)
    assert [o.id for o in everything] == sorted((o.id for o in everything), reverse=True)
    assert len(everything) == 9
    assert head <= runtime.feed.head  # the rows are at least as new as the feed position
    page, _ = await board.orders(OrderFilter(), before=everything[3].id, limit=3)
    assert page == everything[4:7]
    lifts, _ = await board.orders(OrderFilter(dialect="itempath", state="queued"))
    assert [o.number for o in lifts] == ["N-2", "N-1", "N-0"]
    dev, _ = await board.orders(OrderFilter(tenant="dev"))
    assert {o.dialect for o in dev} == {"pickup_cloud"}
    summary, full = await board.order(lifts[0].id)
    assert summary == lifts[0]
    assert getattr(full, "name", None) == "N-2"


@pytest.mark.parametrize("keep", [10_000, 2], ids=["from-memory", "from-the-log"])
async def test_event_pages_are_scoped_and_resume_where_they_stopped(
    runtime: Runtime, http: httpx.AsyncClient, keep: int
) -> None:
    runtime.feed.keep = keep
    await one_of_each(http, "E-1")
    await one_of_each(http, "E-2")
    board = runtime.board
    whole = await board.events(Scope(), since=0, limit=1000)
    assert not whole.more
    assert whole.next == whole.events[-1].seq
    resumed, since = [], 0
    while True:
        page = await board.events(Scope(), since=since, limit=2)
        resumed += page.events
        since = page.next
        if not page.more:
            break
    assert resumed == whole.events
    mine = await board.events(Scope("pickup_cloud", "dev"), since=0, limit=1000)
    assert {(e.dialect, e.tenant) for e in mine.events} == {("pickup_cloud", "dev")}
    assert mine.next == whole.next  # nothing of its own is left to read up to there
    one = await board.events(Scope(), since=0, limit=1000, order_id=mine.events[0].order_id)
    assert {e.order_id for e in one.events} == {mine.events[0].order_id}
