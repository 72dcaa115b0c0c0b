"""Reading across dialects: every order on one board, and the event log as a feed.

The board and the feed only read; every change still goes through a dialect's own service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pickbay.bus.feed import Feed
from pickbay.core.errors import NotFound
from pickbay.core.events import StoredEvent
from pickbay.core.orders import OrderSummary
from pickbay.store import events as event_log
from pickbay.store import orders as order_store
from pickbay.store.db import Database
from pickbay.vendors.contract import Vendor

# How long a feed read waits for the relay to catch up with what is already committed.
CATCH_UP_SECONDS = 2.0


@dataclass(frozen=True)
class Scope:
    """Whose events a caller may read: None is any."""

    dialect: str | None = None
    tenant: str | None = None


@dataclass(frozen=True)
class Page:
    """Events after a sequence number, and where the next read starts."""

    events: list[StoredEvent]
    next: int
    more: bool


@dataclass(frozen=True)
class OrderFilter:
    """Which orders the board shows."""

    dialect: str | None = None
    tenant: str | None = None
    state: str | None = None


class Board:
    """Orders of every dialect, one order in full, and the event log read by sequence number."""

    def __init__(self, db: Database, feed: Feed, vendors: Sequence[Vendor]) -> None:
        self.db = db
        self.feed = feed
        self.vendors = {v.name: v for v in vendors}

    async def orders(
        self, where: OrderFilter, *, before: int | None = None, limit: int = 50
    ) -> tuple[list[OrderSummary], int]:
        """Newest first, and the feed position they are at least as new as."""
        head = self.feed.head  # read first: a change after it is in the feed, so none is lost
        async with self.db.read() as conn:
            found = await order_store.summaries(
                conn,
                dialect=where.dialect,
                tenant=where.tenant,
                state=where.state,
                before=before,
                limit=limit,
            )
        return found, head

    async def summaries(self, ids: list[int]) -> list[OrderSummary]:
        """The orders with these ids that exist, newest first."""
        async with self.db.read() as conn:
            return await order_store.summaries(conn, ids=ids, limit=len(ids))

    async def order(self, order_id: int) -> tuple[OrderSummary, Any]:
        """One order: its summary and its vendor's own model of it."""
        async with self.db.read() as conn:
            found = await order_store.summaries(conn, ids=[order_id], limit=1)
            if not found:
                raise NotFound(f"No order with id {order_id}.")
            summary = found[0]
            full = await self.vendors[summary.dialect].load(conn, order_id)
        if full is None:
            raise NotFound(f"No order with id {order_id}.")
        return summary, full

    async def tenants(self) -> dict[str, list[str]]:
        """The tenants of each vendor."""
        async with self.db.read() as conn:
            return {name: await v.tenants(conn) for name, v in self.vendors.items()}

    async def events(
        self,
        scope: Scope,
        *,
        since: int,
        limit: int,
        order_id: int | None = None,
        catch_up: bool = True,
    ) -> Page:
        """Events of `scope` after `since`, oldest first, up to what can be read without a gap.

        With `catch_up`, first wait (briefly) for the relay to read what is committed, so a
        caller sees its own changes.
        """
        if catch_up:
            async with self.db.read() as conn:
                committed = await event_log.last_seq(conn)
            head = await self.feed.wait_for(committed, CATCH_UP_SECONDS)
        else:
            head = self.feed.head
        if since >= head:
            return Page([], since, False)
        found: list[StoredEvent]
        recent = self.feed.recent(since, head)
        if recent is not None:
            found = [
                e
                for e in recent
                if (scope.dialect is None or e.dialect == scope.dialect)
                and (scope.tenant is None or e.tenant == scope.tenant)
                and (order_id is None or e.order_id == order_id)
            ][:limit]
        else:
            async with self.db.read() as conn:
                found = await event_log.read(
                    conn,
                    since=since,
                    until=head,
                    limit=limit,
                    tenant=scope.tenant,
                    dialect=scope.dialect,
                    order_id=order_id,
                )
        more = len(found) == limit
        return Page(found, found[-1].seq if more else head, more)
