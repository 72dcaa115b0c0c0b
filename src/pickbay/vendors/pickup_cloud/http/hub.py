"""The Pickup Cloud realtime hub: the event log's order changes, pushed to each key's clients.

Server to client only, as the vendor's hub: `OrderStateChanged`, `OrderArticleStateChanged`
and, when a pack moved, `OrderArticleWithPackStateChanged`. A connection authenticates with
its API key and receives the events of orders created with that key, nothing else.
Each push carries the event's sequence number in the message header `pickbay-seq`; a client
that was away reconnects with `?since=SEQ` and first receives what it missed. A push-delay
fault holds a tenant's pushes for a while; what comes behind them waits too, so every client
still receives them in order.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from pickbay.core.errors import Unauthorized as KeyRefused
from pickbay.core.events import StoredEvent
from pickbay.engine.faults import Faults
from pickbay.engine.tenancy import Tenancy
from pickbay.signalr.clr import ClrDateTimeOffset, ClrObject
from pickbay.signalr.connection import Connection
from pickbay.signalr.hub import Hub, Options, RequestInfo, Unauthorized, invocation
from pickbay.signalr.protocol import Message
from pickbay.signalr.server import SignalRServer
from pickbay.store import events as event_log
from pickbay.store.db import Database
from pickbay.vendors.pickup_cloud.http.views import net_time
from pickbay.vendors.pickup_cloud.model import ARTICLE_STATE_CHANGED, NAME, ORDER_STATE_CHANGED

PATH = "/hubs/pickup-cloud"
SEQ_HEADER = "pickbay-seq"
CATCH_UP_PAGE = 1000


def _date(value: str | None) -> ClrDateTimeOffset | None:
    if value is None:
        return None
    at = datetime.fromisoformat(value)
    return ClrDateTimeOffset(at, net_time(at))


def _pascal(fields: dict[str, Any]) -> ClrObject:
    """A logged camelCase object as the .NET object it stands for (`batchNumber`: BatchNumber)."""
    return ClrObject({name[:1].upper() + name[1:]: value for name, value in fields.items()})


def hub_messages(event: StoredEvent) -> list[tuple[str, list[Any]]]:
    """The hub invocations one logged event becomes (none for events the hub does not push).

    Arguments are typed as the vendor's hub methods and DTOs (seed 000), so that each protocol
    writes them as ASP.NET Core would: camelCase in JSON, the C# names in MessagePack.
    """
    p = event.payload
    if event.type == ORDER_STATE_CHANGED:
        return [
            (
                "OrderStateChanged",
                [
                    p["orderNumber"],
                    p["pickupCode"],
                    p["orderState"],
                    _date(p["orderStateChangedDate"]),
                    None,
                ],
            )
        ]
    if event.type == ARTICLE_STATE_CHANGED:
        a = p["article"]
        members = {
            "ArticleId": a["articleId"],
            "RequiredQuantity": a["requiredQuantity"],
            "OrderArticleStateChangedDate": _date(a["orderArticleStateChangedDate"]),
            "DueDate": _date(a["dueDate"]),
        }
        state = {"OrderArticleState": a["orderArticleState"]}
        dto = ClrObject({**members, **state})
        out = [("OrderArticleStateChanged", [p["orderNumber"], p["pickupCode"], dto, None])]
        if p.get("pack") is not None:
            with_pack = ClrObject({**members, "Pack": _pascal(p["pack"]), **state})
            out.append(
                (
                    "OrderArticleWithPackStateChanged",
                    [p["orderNumber"], p["pickupCode"], with_pack, None],
                )
            )
        return out
    return []


def _group(tenant: str) -> str:
    return "tenant:" + tenant


class PickupCloudHub(Hub):
    """Authenticates API keys, groups connections by tenant, pushes logged events (every
    message a logged event's, numbered from the log: a connection resumes in any process)."""

    def __init__(
        self,
        db: Database,
        tenancy: Tenancy,
        cursor: Callable[[], int],
        options: Options | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.db = db
        self.tenancy = tenancy
        self.cursor = cursor  # the relay's cursor: every event up to it was pushed
        self.server = SignalRServer(PATH, self, options)
        self.faults = faults
        # Pushes a delay holds, per tenant: (when to send, messages, their seqs), in order.
        self._held: dict[str, deque[tuple[float, list[Message], list[int]]]] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}
        # How far a connection's catch-up (`?since=`) went: held pushes it saw are not resent.
        self._replayed: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()

    async def authenticate(self, request: RequestInfo) -> Any:
        """The tenant of the key in `x-api-key`, the bearer token or `access_token`."""
        key = request.headers.get("x-api-key") or request.bearer()
        try:
            return await self.tenancy.authenticate(key)
        except KeyRefused as exc:
            raise Unauthorized from exc

    async def on_connected(self, connection: Connection) -> None:
        """Replay from `?since=` if asked, then join the tenant's group."""
        since = connection.query.get("since")
        start = self.cursor()
        if since is not None and since.isascii() and since.isdigit():
            start = min(int(since), start)
        await self._join(connection, start)

    async def on_resumed(self, connection: Connection, after: int) -> None:
        """Send again what the log holds after the connection's checkpoint, then join."""
        await self._join(connection, after)

    async def _join(self, connection: Connection, after: int) -> None:
        """Send the tenant's events logged after `after`, then join the tenant's group: the
        connection gets each event after `after` once, in order (numbered so, for a stateful
        reconnect that lands on another process)."""
        connection.count_from(after)
        upto = after
        while True:
            target = self.cursor()
            while upto < target:
                async with self.db.read() as conn:
                    page = await event_log.read(
                        conn,
                        since=upto,
                        until=target,
                        tenant=connection.user,
                        dialect=NAME,
                        limit=CATCH_UP_PAGE,
                    )
                for event in page:
                    self._push([connection], event)
                upto = page[-1].seq if len(page) == CATCH_UP_PAGE else target
            # No await between this check and joining: nothing can slip between.
            if self.cursor() == target:
                break
        self._replayed[connection] = target
        self.server.add_to_group(connection, _group(connection.user))

    def on_events(self, events: list[StoredEvent]) -> None:
        """Push each Pickup Cloud event to its tenant's connections, a batch at a time."""
        by_tenant: dict[str, tuple[list[Message], list[int]]] = {}
        for event in events:
            if event.dialect == NAME:
                messages, positions = by_tenant.setdefault(event.tenant, ([], []))
                made = _messages(event)
                messages.extend(made)
                positions.extend([event.seq] * len(made))
        for tenant, (messages, positions) in by_tenant.items():
            if not messages:
                continue  # events the hub does not push (a fault that fired, say)
            delay = self._delay(tenant, len(messages))
            held = self._held.get(tenant)
            if not delay and not held:
                members = self.server.groups.get(_group(tenant))
                if members:
                    self.server.send_messages(members, messages, positions)
                continue
            at = self.server.now + delay
            if held:
                at = max(at, held[-1][0])  # behind what is held already, in order
            self._held.setdefault(tenant, deque()).append((at, messages, positions))
            if tenant not in self._senders:
                self._senders[tenant] = asyncio.ensure_future(self._send_held(tenant))

    def _delay(self, tenant: str, pushes: int) -> float:
        """The seconds a push-delay fault holds `pushes` pushes to `tenant` now (counted)."""
        fault = None if self.faults is None else self.faults.push_delay(NAME, tenant)
        if self.faults is None or fault is None:
            return 0.0
        self.faults.pushes_held(fault, NAME, tenant, pushes)
        return (fault.push_delay_ms or 0) / 1000

    async def _send_held(self, tenant: str) -> None:
        """Send a tenant's held pushes, each when its delay is over."""
        held = self._held[tenant]
        try:
            while held:
                at, messages, positions = held[0]
                wait = at - self.server.now
                if wait > 0:
                    await asyncio.sleep(wait)
                held.popleft()
                members = self.server.groups.get(_group(tenant), ())
                fresh = [c for c in members if self._replayed.get(c, 0) < positions[-1]]
                if fresh:
                    self.server.send_messages(fresh, messages, positions)
        finally:
            del self._senders[tenant]
            if not held:
                del self._held[tenant]

    async def stop(self) -> None:
        """Stop sending held pushes (their clients catch up with `?since=` when back)."""
        for task in list(self._senders.values()):
            task.cancel()
        await asyncio.gather(*self._senders.values(), return_exceptions=True)

    def _push(self, connections: Iterable[Connection], event: StoredEvent) -> None:
        messages = _messages(event)
        self.server.send_messages(connections, messages, [event.seq] * len(messages))


def _messages(event: StoredEvent) -> list[Message]:
    headers = {SEQ_HEADER: str(event.seq)}
    return [invocation(target, arguments, headers) for target, arguments in hub_messages(event)]
