"""The generic SignalR server against the official JavaScript client, every transport."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from websockets.frames import Frame, Opcode

from pickbay.bus.backplane import MemoryBackplane
from pickbay.signalr import framing
from pickbay.signalr.connection import Connection, State
from pickbay.signalr.framing import FRAME_LIMIT, frame_header, frames
from pickbay.signalr.hub import Hub, HubError, RequestInfo, Unauthorized, invocation
from pickbay.signalr.protocol import PROTOCOLS as HUB_PROTOCOLS
from pickbay.signalr.protocol import MessagePackProtocol, write_varint
from pickbay.signalr.server import SignalRServer
from tests.signalr.peers import ClientProcess, serve, upgrade_status

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
    _app, base = hub_app
    client = await ClientProcess.js(
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


async def connected(client: ClientProcess) -> str:
    event = await client.next(lambda e: e["event"] in ("connected", "failed"))
    assert event["event"] == "connected", event
    return str(event["connectionId"])


def by_id(app: HubApp, connection_id: str) -> Connection:
    return next(c for c in app.server.connections.values() if c.id == connection_id)


async def test_stateful_reconnect_replays_what_the_client_missed(
    hub_app: tuple[HubApp, str],
) -> None:
    app, base = hub_app
    client = await ClientProcess.js(url=base + "/hub", statefulReconnect=True, methods=["Message"])
    try:
        conn = by_id(app, await connected(client))
        assert conn.stateful
        await client.command("send", method="Broadcast", args=[0])
        assert (await client.event("message"))["args"] == [0]
        app.server.drop(conn)
        # Sent while the transport is down: buffered, then replayed after the reconnect.
        for i in (1, 2, 3):
            app.server.send_group("all", "Message", [i])
        got = [m["args"] for m in await client.messages(3)]
        assert got == [[1], [2], [3]]
        assert conn.state is State.CONNECTED
        assert (await client.invoke("Add", 1, 2))["result"] == 3
        assert not any(e["event"] in ("reconnecting", "closed") for e in client.events)
    finally:
        await client.stop()


async def test_without_stateful_reconnect_a_drop_ends_the_connection(
    hub_app: tuple[HubApp, str],
) -> None:
    app, base = hub_app
    client = await ClientProcess.js(url=base + "/hub", methods=["Message"])
    try:
        conn = by_id(app, await connected(client))
        assert not conn.stateful
        app.server.drop(conn)
        assert (await client.event("closed"))["error"]
        await asyncio.wait_for(_until(lambda: conn.state is State.CLOSED), timeout=5)
    finally:
        await client.stop()
    assert conn.id in app.hub.disconnected


async def _until(condition: Any) -> None:
    while not condition():  # noqa: ASYNC110 - a state flag the server sets, no event to await
        await asyncio.sleep(0.01)


async def test_keep_alive_pings_then_a_silent_client_times_out(
    hub_app: tuple[HubApp, str],
) -> None:
    app, base = hub_app
    client = await ClientProcess.js(url=base + "/hub", serverTimeout=60_000)
    try:
        conn = by_id(app, await connected(client))
        written = conn.last_write
        now = asyncio.get_running_loop().time()
        await app.server.tick(now + 16)
        assert conn.last_write > written  # a Ping went out after 15 s of silence
        await app.server.tick(conn.last_read + 31)
        closed = await client.event("closed")
    finally:
        await client.stop()
    assert "timeout" in closed["error"].lower()
    assert conn.state is State.CLOSED


async def test_negotiate_versions_and_errors(hub_app: tuple[HubApp, str]) -> None:
    _app, base = hub_app
    async with httpx.AsyncClient(base_url=base) as http:
        v0 = (await http.post("/hub/negotiate")).json()
        assert v0["negotiateVersion"] == 0
        assert "connectionToken" not in v0
        assert [t["transport"] for t in v0["availableTransports"]] == [
            "WebSockets",
            "ServerSentEvents",
            "LongPolling",
        ]
        v1 = (await http.post("/hub/negotiate?negotiateVersion=1&id=stale")).json()
        assert v1["negotiateVersion"] == 1
        assert v1["connectionToken"] != v1["connectionId"]
        assert "useStatefulReconnect" not in v1
        later = (await http.post("/hub/negotiate?negotiateVersion=7")).json()
        assert later["negotiateVersion"] == 1
        stateful = await http.post("/hub/negotiate?negotiateVersion=1&useStatefulReconnect=true")
        assert stateful.json()["useStatefulReconnect"] is True
        bad = await http.post("/hub/negotiate?negotiateVersion=x")
        assert bad.status_code == 200
        assert "error" in bad.json()
        refused = await http.post("/hub/negotiate", headers={"x-api-key": "wrong"})
        assert refused.status_code == 401
        assert (await http.get("/hub/negotiate")).status_code == 405


async def test_cors_echoes_the_origin_with_credentials(hub_app: tuple[HubApp, str]) -> None:
    _app, base = hub_app
    origin = "http://console.example"
    async with httpx.AsyncClient(base_url=base) as http:
        pre = await http.options(
            "/hub/negotiate",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "x-signalr-user-agent,authorization",
            },
        )
        assert pre.status_code == 204
        assert pre.headers["access-control-allow-origin"] == origin
        assert pre.headers["access-control-allow-credentials"] == "true"
        allowed = pre.headers["access-control-allow-headers"].lower()
        for header in ("x-signalr-user-agent", "x-requested-with", "authorization", "content-type"):
            assert header in allowed
        assert "DELETE" in pre.headers["access-control-allow-methods"]
        r = await http.post("/hub/negotiate", headers={"Origin": origin})
        assert r.headers["access-control-allow-origin"] == origin


async def test_transport_requests_with_missing_or_unknown_ids(
    hub_app: tuple[HubApp, str],
) -> None:
    _app, base = hub_app
    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.post("/hub", content=b"x")).status_code == 400
        assert (await http.post("/hub?id=nope", content=b"x")).status_code == 404
        sse = await http.get("/hub", headers={"Accept": "text/event-stream"})
        assert sse.status_code == 400
        assert (
            await http.get("/hub?id=nope", headers={"Accept": "text/event-stream"})
        ).status_code == 404
        assert (await http.delete("/hub?id=nope")).status_code == 404
    assert await upgrade_status(base + "/hub?id=nope") == 404


async def test_a_websocket_id_in_use_is_refused(hub_app: tuple[HubApp, str]) -> None:
    _app, base = hub_app
    async with httpx.AsyncClient(base_url=base) as http:
        token = (await http.post("/hub/negotiate?negotiateVersion=1")).json()["connectionToken"]
    url = base.replace("http", "ws") + f"/hub?id={token}"
    async with websockets.connect(url):
        assert await upgrade_status(base + f"/hub?id={token}") == 409


async def raw_websocket(base: str) -> Any:
    return websockets.connect(base.replace("http", "ws") + "/hub")


async def test_handshake_errors_close_the_connection(hub_app: tuple[HubApp, str]) -> None:
    _app, base = hub_app
    for request, error in [
        (b'{"protocol":"xml","version":1}\x1e', "The protocol 'xml' is not supported."),
        (b'{"protocol":"json","version":9}\x1e', "version 9 of the 'json' protocol"),
        (b'{"protocol":"json"}\x1e', "Missing or invalid 'version'"),
        (b"not json\x1e", "not valid JSON"),
    ]:
        async with await raw_websocket(base) as ws:
            await ws.send(request)
            answer = await asyncio.wait_for(ws.recv(), timeout=5)
            assert error in orjson.loads(answer.rstrip("\x1e"))["error"]
            await asyncio.wait_for(ws.wait_closed(), timeout=5)


async def json_messages(ws: Any, count: int) -> list[Any]:
    """The next `count` JSON messages, however the server framed them."""
    records: list[bytes] = []
    while len(records) < count:
        frame = await asyncio.wait_for(ws.recv(), timeout=5)
        assert isinstance(frame, str)  # JSON travels in text frames
        records += [r.encode() for r in frame.split("\x1e")[:-1]]
    return [orjson.loads(r) for r in records]


async def test_skip_negotiation_messages_in_the_handshake_frame_and_close(
    hub_app: tuple[HubApp, str],
) -> None:
    app, base = hub_app
    async with await raw_websocket(base) as ws:
        # The handshake and a first invocation arrive in one frame.
        await ws.send(
            '{"protocol":"json","version":1}\x1e'
            '{"type":1,"invocationId":"1","target":"Echo","arguments":["hi"]}\x1e'
        )
        assert await json_messages(ws, 2) == [
            {},
            {"type": 3, "invocationId": "1", "result": "hi"},
        ]
        await ws.send('{"type":1,"target":"Echo","arguments":["no id, no answer"]}\x1e')
        await ws.send('{"type":1,"invocationId":"2","target":"Add","arguments":[2,3]}\x1e')
        assert (await json_messages(ws, 1))[0]["result"] == 5
        await ws.send('{"type":7}\x1e')
        await asyncio.wait_for(ws.wait_closed(), timeout=5)
        assert ws.close_code == 1000
    assert not app.server.connections


async def test_messagepack_frames_split_across_websocket_messages(
    hub_app: tuple[HubApp, str],
) -> None:
    _app, base = hub_app
    protocol = MessagePackProtocol()
    invocation = protocol.write(
        {"type": 1, "invocationId": "7", "target": "Echo", "arguments": [{"k": [1, 2]}]}
    )
    async with await raw_websocket(base) as ws:
        await ws.send('{"protocol":"messagepack","version":1}\x1e')
        assert await ws.recv() == b"{}\x1e"
        await ws.send(invocation[:3])
        await ws.send(invocation[3:])
        reply, rest = protocol.parse(await ws.recv())
        assert reply == [{"type": 3, "invocationId": "7", "result": {"k": [1, 2]}}]
        assert rest == b""
        garbage = write_varint(2) + b"\xc1\xc1"
        await ws.send(garbage)
        closing, _ = protocol.parse(await ws.recv())
        assert closing[0]["type"] == 7
        assert "error" in closing[0]


async def test_long_polling_delete_ends_the_pending_poll(hub_app: tuple[HubApp, str]) -> None:
    app, base = hub_app
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        token = (await http.post("/hub/negotiate?negotiateVersion=1")).json()["connectionToken"]
        first = await http.get(f"/hub?id={token}")
        assert (first.status_code, first.content) == (200, b"")
        await http.post(f"/hub?id={token}", content=b'{"protocol":"json","version":1}\x1e')
        handshake = await http.get(f"/hub?id={token}")
        assert handshake.content == b"{}\x1e"
        pending = asyncio.ensure_future(http.get(f"/hub?id={token}"))
        await asyncio.sleep(0.05)  # let the poll reach the server before it is ended
        assert (await http.delete(f"/hub?id={token}")).status_code == 202
        assert (await pending).status_code == 204
        assert (await http.get(f"/hub?id={token}")).status_code == 204
    assert not app.server.connections


async def test_messagepack_is_refused_over_server_sent_events(
    hub_app: tuple[HubApp, str],
) -> None:
    _app, base = hub_app
    client = await ClientProcess.js(
        url=base + "/hub", transport="ServerSentEvents", protocol="messagepack"
    )
    try:
        event = await client.next(lambda e: e["event"] in ("connected", "failed"))
    finally:
        await client.stop()
    assert event["event"] == "failed"


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 200_000])
@pytest.mark.parametrize("binary", [False, True])
def test_frame_headers_are_the_ones_the_websocket_protocol_writes(
    length: int, binary: bool
) -> None:
    payload = b"x" * length
    opcode = Opcode.BINARY if binary else Opcode.TEXT
    expected = Frame(opcode, payload).serialize(mask=False, extensions=[])
    assert frame_header(length, binary) + payload == expected


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "compressed"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_pushes_of_every_frame_size_reach_the_official_client(
    deflate: bool, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Direct frames where nothing is negotiated; the ASGI send where compression is."""
    direct: list[int] = []

    def counted(length: int, binary: bool) -> bytes:
        direct.append(length)
        return frame_header(length, binary)

    monkeypatch.setattr(framing, "frame_header", counted)
    app = HubApp()
    app.server.start()
    async with serve(app, deflate=deflate) as base:
        client = await ClientProcess.js(
            url=base + "/hub", transport="WebSockets", protocol=protocol, methods=["Message"]
        )
        try:
            await connected(client)
            sizes = [1, 200, 70_000, 300_000]
            for size in sizes:
                assert app.server.send_group("all", "Message", ["y" * size]) == 1
            got = [await client.event("message") for _ in sizes]
            assert [len(m["args"][0]) for m in got] == sizes
            assert bool(direct) is not deflate
        finally:
            await client.stop()
    await app.server.stop()


def parse_frames(data: bytes) -> list[Frame]:
    """The unmasked frames in `data`, read as a WebSocket client would."""
    parsed: list[Frame] = []
    at = 0
    while at < len(data):
        length, head = data[at + 1] & 0x7F, 2
        if length == 126:
            length, head = int.from_bytes(data[at + 2 : at + 4], "big"), 4
        elif length == 127:
            length, head = int.from_bytes(data[at + 2 : at + 10], "big"), 10
        assert data[at] & 0x80  # FIN: every frame is a whole message
        parsed.append(Frame(Opcode(data[at] & 0x0F), data[at + head : at + head + length]))
        at += head + length
    assert at == len(data)
    return parsed


@pytest.mark.parametrize("binary", [False, True])
def test_frames_carry_whole_messages_within_the_limit(binary: bool) -> None:
    messages = [bytes([65 + i % 26]) * (i * 997 % 30_000) + b"\x1e" for i in range(40)]
    messages.append(b"z" * (FRAME_LIMIT + 5))  # larger than a frame: sent alone
    messages.append(b"end\x1e")
    parsed = parse_frames(frames(messages, binary))
    assert len(parsed) > 2
    assert {f.opcode for f in parsed} == {Opcode.BINARY if binary else Opcode.TEXT}
    assert b"".join(f.data for f in parsed) == b"".join(messages)
    ends, at = set(), 0
    for message in messages:
        at += len(message)
        ends.add(at)
    at = 0
    for f in parsed:
        at += len(f.data)
        assert at in ends  # no message is split between frames
        assert len(f.data) <= FRAME_LIMIT or len(f.data) == FRAME_LIMIT + 5


def _connection(*, stateful: bool = False) -> Connection:
    conn = Connection(
        "c", "t", user=None, query={}, stateful_allowed=True, now=0, buffer_limit=1000
    )
    conn.protocol = HUB_PROTOCOLS["json"]
    conn.transport_active = True
    conn.state = State.CONNECTED
    conn.stateful = stateful
    return conn


async def test_a_push_goes_straight_to_an_idle_websocket_else_to_its_queue() -> None:
    server = SignalRServer("/hub", Hub())
    messages = [invocation("Message", [i]) for i in range(3)]
    parts = [HUB_PROTOCOLS["json"].write(m) for m in messages]
    written: list[bytes] = []
    ready, busy = _connection(stateful=True), _connection()

    def write(frame: bytes) -> bool:
        written.append(frame)
        return True

    ready.direct = write
    busy.direct = lambda frame: False  # the socket is not taking writes, or a write waits
    assert server.send_messages([ready, busy], messages) == 2
    assert written == [frames(parts, binary=False)]
    assert not ready.outbox
    assert list(busy.outbox) == parts
    # Stateful: what went out at once is still kept for a reconnect, one id per message.
    ready.resume()
    assert list(ready.outbox)[1:] == parts
    assert server.send_messages([ready], []) == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_push_never_overtakes_what_is_queued_and_big_batches_arrive_whole(
    hub_app: tuple[HubApp, str], protocol: str
) -> None:
    app, base = hub_app
    client = await ClientProcess.js(
        url=base + "/hub", transport="WebSockets", protocol=protocol, methods=["Message"]
    )
    try:
        conn = by_id(app, await connected(client))
        assert conn.direct is not None
        assert conn.protocol is not None
        # Queued (its writer has not run yet): the push after it must wait its turn.
        conn.send_bytes(conn.protocol.write(invocation("Message", ["queued"])), trackable=True)
        app.server.send_group("all", "Message", ["pushed"])
        assert [m["args"] for m in await client.messages(2)] == [["queued"], ["pushed"]]
        # Idle again: a batch goes out at once, several frames' worth, in order.
        batch = [invocation("Message", [i, "x" * 1000]) for i in range(300)]
        assert app.server.send_messages(app.server.groups["all"], batch) == 1
        assert not conn.outbox  # written at once, not queued
        got = await client.messages(300)
        assert [m["args"][0] for m in got] == list(range(300))
    finally:
        await client.stop()


async def _stalled_websocket(base: str) -> asyncio.StreamWriter:
    """A WebSocket client that connects, shakes hands, and then never reads again."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    writer.write(
        b"GET /hub HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
    handshake = b'{"protocol":"json","version":1}\x1e'
    mask = b"\x00\x00\x00\x00"  # client frames are masked; a zero mask keeps the bytes
    writer.write(bytes((0x81, 0x80 | len(handshake))) + mask + handshake)
    await writer.drain()
    return writer


async def test_a_websocket_that_stops_reading_is_closed_and_holds_up_no_one(
    hub_app: tuple[HubApp, str],
) -> None:
    app, base = hub_app
    client = await ClientProcess.js(
        url=base + "/hub", transport="WebSockets", protocol="json", methods=["Message"]
    )
    stalled = [await _stalled_websocket(base) for _ in range(3)]
    try:
        reader = by_id(app, await connected(client))
        for _ in range(100):  # until the three stalled connections have joined
            if len(app.server.groups.get("all", ())) == 4:
                break
            await asyncio.sleep(0.01)  # waiting for sockets, not for sandbox time
        stuck = [c for c in app.server.groups["all"] if c is not reader]
        assert len(stuck) == 3
        for n in range(60):  # 60 pushes of 100 kB: 6 MB for each reader
            app.server.send_group("all", "Message", [n, "x" * 100_000])
            (got,) = await client.messages(1)  # the stalled ones hold none of these up
            assert got["args"][0] == n
        # The stalled ones were closed once they held a queue's worth; the reader kept up.
        assert all(c.state is State.CLOSED for c in stuck)
        assert [c.queued_bytes for c in stuck] == [0, 0, 0]
        assert set(app.server.groups["all"]) == {reader}
    finally:
        for w in stalled:
            w.transport.abort()
        await client.stop()


async def test_a_websocket_to_another_server_that_shares_the_key_opens_the_connection() -> None:
    """Two servers of one deployment: negotiate with one, connect the WebSocket to the other.
    Only WebSockets may cross; a token from another key, or one that expired, may not."""
    wall = [1_000.0]
    apps = [HubApp(), HubApp()]
    for app in apps:
        app.server.share(b"k" * 32, lambda: wall[0])
    stranger = HubApp()
    stranger.server.share(b"x" * 32, lambda: wall[0])
    async with serve(apps[0]) as first, serve(apps[1]) as second, serve(stranger) as third:
        async with httpx.AsyncClient() as http:
            negotiated = (
                await http.post(first + "/hub/negotiate?negotiateVersion=1", headers=ALICE)
            ).json()
            token = negotiated["connectionToken"]
            assert (await http.post(f"{second}/hub?id={token}", content=b"x")).status_code == 404
        assert await upgrade_status(f"{third}/hub?id={token}") == 404
        url = second.replace("http", "ws") + f"/hub?id={token}"
        async with websockets.connect(url) as ws:
            await ws.send('{"protocol":"json","version":1}\x1e')
            assert await ws.recv() == "{}\x1e"
            await ws.send('{"type":1,"invocationId":"1","target":"Whoami","arguments":[]}\x1e')
            reply = orjson.loads((await ws.recv()).rstrip("\x1e"))
            assert reply["result"] == "alice"  # the user the first server authenticated
            (conn,) = apps[1].server.connections.values()
            assert conn.id == negotiated["connectionId"]
        token = await await_negotiate(first)
        wall[0] += apps[0].server.options.negotiate_timeout + 1
        assert await upgrade_status(second + f"/hub?id={token}") == 404


async def await_negotiate(base: str) -> str:
    """A fresh connection token from the server at `base`."""
    async with httpx.AsyncClient() as http:
        r = await http.post(base + "/hub/negotiate?negotiateVersion=1", headers=ALICE)
        token: str = r.json()["connectionToken"]
        return token


ALICE = {"x-api-key": "alice"}


class LogHub(Hub):
    """A hub whose every push is an entry of a log the servers share, numbered from it."""

    def __init__(self, log: list[int]) -> None:
        self.server: SignalRServer | None = None
        self.log = log  # what every server of the deployment reads, as the event log is

    async def authenticate(self, request: RequestInfo) -> Any:
        return request.headers.get("x-api-key")

    async def on_connected(self, connection: Connection) -> None:
        await self.on_resumed(connection, len(self.log))

    async def on_resumed(self, connection: Connection, after: int) -> None:
        assert self.server is not None
        connection.count_from(after)
        for position in range(after + 1, len(self.log) + 1):
            self._send([connection], position)
        self.server.add_to_group(connection, "all")

    def publish(self, value: int) -> None:
        """Log `value` and push it to this server's connections."""
        assert self.server is not None
        self.log.append(value)
        self._send(self.server.groups.get("all", ()), len(self.log))

    def _send(self, connections: Any, position: int) -> None:
        assert self.server is not None
        message = invocation("Message", [self.log[position - 1]])
        self.server.send_messages(connections, [message], [position])


class Switch:
    """A TCP proxy that sends each new connection to the backend chosen now."""

    def __init__(self, backend: int) -> None:
        self.backend = backend
        self.port = 0
        self._pipes: set[asyncio.Task[None]] = set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.backend)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        for task in (pipe(reader, up_writer), pipe(up_reader, writer)):
            t = asyncio.ensure_future(task)
            self._pipes.add(t)
            t.add_done_callback(self._pipes.discard)

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for t in list(self._pipes):
            t.cancel()


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


async def test_a_stateful_reconnect_resumes_on_another_server_from_the_shared_log() -> None:
    """The client's WebSocket drops and its reconnect reaches a server that never held the
    connection: that server resumes it from the checkpoint the first one stored, sending again
    from the log what the client may have missed, the client dropping what it had."""
    store = MemoryBackplane()
    log: list[int] = []
    apps = []
    for _ in range(2):
        hub = LogHub(log)
        server = SignalRServer("/hub", hub)
        hub.server = server
        server.share(b"k" * 32, time.time, store)
        apps.append((hub, server))
    (first_hub, first), (second_hub, second) = apps
    async with serve(first) as one, serve(second) as two:
        switch = Switch(_port(one))
        async with switch as base:
            client = await ClientProcess.js(
                url=base + "/hub", statefulReconnect=True, methods=["Message"], headers=ALICE
            )
            try:
                await connected(client)
                for value in (1, 2, 3):
                    first_hub.publish(value)
                assert [m["args"] for m in await client.messages(3)] == [[1], [2], [3]]
                (held,) = first.connections.values()
                await asyncio.sleep(0)  # the join's checkpoint is stored
                # The first server goes (as a killed process would) after two more pushes
                # the client may or may not have read; one more is logged while it is away.
                first_hub.publish(4)
                first_hub.publish(5)
                switch.backend = _port(two)
                first.connections.clear()
                first.groups.clear()
                first.drop(held)
                log.append(6)
                got = [m["args"][0] for m in await client.messages(3)]
                assert got == [4, 5, 6]
                (resumed,) = second.connections.values()
                assert resumed.id == held.id
                assert resumed.state is State.CONNECTED
                second_hub.publish(7)
                assert [m["args"] for m in await client.messages(1)] == [[7]]
                assert not any(e["event"] in ("reconnecting", "closed") for e in client.events)
            finally:
                await client.stop()
