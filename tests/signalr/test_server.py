"""The generic SignalR server against the official JavaScript client, every transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from pickbay.signalr.connection import Connection
from pickbay.signalr.server import Hub, HubError, RequestInfo, SignalRServer, Unauthorized
from tests.signalr.peers import JsClient, serve

TRANSPORTS = ["WebSockets", "ServerSentEvents", "LongPolling"]
PROTOCOLS = ["json", "messagepack"]
COMBINATIONS = [
    (t, p) for t in TRANSPORTS for p in PROTOCOLS if (t, p) != ("ServerSentEvents", "messagepack")
]


class EchoHub(Hub):
    """A hub for the tests: a few methods, and every connection in the group "all"."""

    def __init__(self) -> None:
        self.server: SignalRServer | None = None
        self.disconnected: list[str] = []
        self.methods = {
            "Echo": self.echo,
            "Add": self.add,
            "Fail": self.fail,
            "Crash": self.crash,
            "Broadcast": self.broadcast,
            "Whoami": self.whoami,
        }

    async def authenticate(self, request: RequestInfo) -> Any:
        token = request.headers.get("x-api-key") or request.bearer()
        if token == "wrong":
            raise Unauthorized
        return token

    async def on_connected(self, connection: Connection) -> None:
        assert self.server is not None
        self.server.add_to_group(connection, "all")

    async def on_disconnected(self, connection: Connection) -> None:
        self.disconnected.append(connection.id)

    async def echo(self, conn: Connection, args: list[Any]) -> Any:
        return args[0]

    async def add(self, conn: Connection, args: list[Any]) -> Any:
        return args[0] + args[1]

    async def fail(self, conn: Connection, args: list[Any]) -> Any:
        raise HubError("It didn't work!")

    async def crash(self, conn: Connection, args: list[Any]) -> Any:
        raise RuntimeError("secret detail")

    async def broadcast(self, conn: Connection, args: list[Any]) -> None:
        assert self.server is not None
        self.server.send_group("all", "Message", args)

    async def whoami(self, conn: Connection, args: list[Any]) -> Any:
        return conn.user


class HubApp:
    """The server mounted at /hub, as an app would route to it."""

    def __init__(self) -> None:
        self.hub = EchoHub()
        self.server = SignalRServer("/hub", self.hub)
        self.hub.server = self.server

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.server(scope, receive, send)


@pytest.fixture
async def hub_app() -> AsyncIterator[tuple[HubApp, str]]:
    app = HubApp()
    app.server.start()
    async with serve(app) as base:
        yield app, base
    await app.server.stop()


@pytest.mark.parametrize(("transport", "protocol"), COMBINATIONS)
async def test_invocations_completions_and_pushes(
    hub_app: tuple[HubApp, str], transport: str, protocol: str
) -> None:
    app, base = hub_app
    client = await JsClient.start(
        url=base + "/hub", transport=transport, protocol=protocol, methods=["Message"]
    )
    try:
        assert (await client.event("connected"))["connectionId"]
        assert (await client.invoke("Echo", {"a": [1, "x", None]}))["result"] == {
            "a": [1, "x", None]
        }
        assert (await client.invoke("add", 40, 2))["result"] == 42
        assert (await client.invoke("Fail"))["error"].endswith("It didn't work!")
        crash = (await client.invoke("Crash"))["error"]
        assert "unexpected error occurred invoking 'Crash'" in crash
        assert "secret" not in crash
        assert (await client.invoke("Nope"))["error"].endswith("Unknown hub method 'Nope'")
        await client.command("send", method="Broadcast", args=["hello", 7])
        message = await client.event("message")
        assert message == {"event": "message", "target": "Message", "args": ["hello", 7]}
    finally:
        await client.stop()
    assert (await client.event("closed"))["error"] is None
