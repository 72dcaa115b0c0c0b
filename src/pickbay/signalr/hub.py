"""What a hub is to the SignalR server: who may connect, what it hears of connections, the
methods clients may invoke, and the invocations it sends them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pickbay.signalr.connection import Connection
from pickbay.signalr.protocol import Message, MessageType

Method = Callable[[Connection, list[Any]], Awaitable[Any]]


def invocation(target: str, arguments: list[Any], headers: dict[str, str] | None = None) -> Message:
    """A non-blocking Invocation message of `target` with `arguments`."""
    message: Message = {"type": MessageType.INVOCATION, "target": target, "arguments": arguments}
    if headers:
        message["headers"] = headers
    return message


class Unauthorized(Exception):
    """The request carries no credentials the hub accepts (HTTP 401)."""


class HubError(Exception):
    """An error whose message the client may see in its Completion."""


@dataclass(frozen=True)
class RequestInfo:
    """What a hub sees of an HTTP request to authenticate it: lower-case headers and query."""

    headers: dict[str, str]
    query: dict[str, str]

    def bearer(self) -> str | None:
        """The bearer token from `Authorization` or the `access_token` query parameter."""
        auth = self.headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            return auth[7:].strip() or None
        return self.query.get("access_token") or None


class Hub:
    """What a hub implements; the defaults accept everyone and offer no methods."""

    methods: dict[str, Method] = {}

    async def authenticate(self, request: RequestInfo) -> Any:
        """The user behind a request; raise `Unauthorized` to refuse it."""
        return None

    async def on_connected(self, connection: Connection) -> None:
        """A connection finished its handshake."""

    async def on_disconnected(self, connection: Connection) -> None:
        """A connection ended for good."""

    async def on_resumed(self, connection: Connection, after: int) -> None:
        """A stateful connection another process held resumed here: send what the log holds
        after `after`, in order, then what comes. Only a hub that numbers what it sends from
        a log (`Connection.count_from`) implements it; the server resumes none for the rest."""

    @property
    def resumes(self) -> bool:
        """Whether a stateful connection may resume here after another process held it."""
        return type(self).on_resumed is not Hub.on_resumed

    async def stop(self) -> None:
        """The server stops: end the hub's own work (its connections are closed after)."""


@dataclass
class Options:
    """Timings and limits, ASP.NET Core's defaults unless said otherwise (seconds, bytes)."""

    keep_alive: float = 15.0
    client_timeout: float = 30.0
    handshake_timeout: float = 15.0
    negotiate_timeout: float = 15.0  # a negotiated id that never connects
    poll_timeout: float = 90.0
    reconnect_window: float = 30.0  # a stateful connection waits this long for its client
    buffer_limit: int = 1_000_000  # unacknowledged bytes a stateful connection may hold
    queue_limit: int = 1_000_000  # bytes waiting for a slow reader; past it, it is closed
    tick: float = 1.0
