"""A SignalR server as an ASGI app: negotiate, three transports, hub dispatch, keep-alive.

It knows nothing about what a hub is for. A `Hub` authenticates requests, learns of
connections coming and going, and may answer client invocations; the server does the rest
as ASP.NET Core does (TransportProtocols.md, HubProtocol.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import struct
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from pickbay.signalr.connection import BufferFull, Connection, State, Transport
from pickbay.signalr.protocol import (
    PROTOCOLS,
    HandshakeIncomplete,
    Message,
    MessageType,
    ProtocolError,
    handshake_response,
    parse_handshake,
)

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Method = Callable[[Connection, list[Any]], Awaitable[Any]]

TRANSPORTS = [
    {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]},
    {"transport": "ServerSentEvents", "transferFormats": ["Text"]},
    {"transport": "LongPolling", "transferFormats": ["Text", "Binary"]},
]
ALLOWED_HEADERS = "X-SignalR-User-Agent, X-Requested-With, Authorization, Content-Type"


FRAME_LIMIT = 64 * 1024
_RECEIVING = (State.CONNECTED, State.DISCONNECTED)  # a stateful connection buffers while away


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
    tick: float = 1.0


def _query(scope: Scope) -> dict[str, str]:
    """The query parameters, parsed once per request."""
    parsed: dict[str, str] | None = scope.get("pickbay.query")
    if parsed is None:
        parsed = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        scope["pickbay.query"] = parsed
    return parsed


def _headers(scope: Scope) -> dict[str, str]:
    """The headers with lower-case names, parsed once per request."""
    parsed: dict[str, str] | None = scope.get("pickbay.headers")
    if parsed is None:
        parsed = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scope["pickbay.headers"] = parsed
    return parsed


class SignalRServer:
    """The ASGI app for one hub at `path`; `send_group` and friends push to connections."""

    def __init__(self, path: str, hub: Hub, options: Options | None = None) -> None:
        self.path = path.rstrip("/")
        self.hub = hub
        self.options = options or Options()
        self.methods = {name.lower(): method for name, method in hub.methods.items()}
        self.connections: dict[str, Connection] = {}  # by token
        self.groups: dict[str, set[Connection]] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._dirty: dict[_Writer, None] = {}  # writers with something to send, in order
        self._flusher: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start the keep-alive and expiry ticker."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        """Close every connection and stop the ticker."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        for conn in list(self.connections.values()):
            await self.close(conn, allow_reconnect=True)
        for task in list(self._tasks):
            task.cancel()

    @property
    def now(self) -> float:
        """The event loop's clock (network timers only; never the sandbox's time)."""
        return asyncio.get_running_loop().time()

    def _schedule(self, writer: _Writer) -> None:
        self._dirty[writer] = None
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        while self._dirty:
            writer = next(iter(self._dirty))
            del self._dirty[writer]
            await writer.run()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.options.tick)
            try:
                await self.tick(self.now)
            except Exception:  # the ticker must outlive one bad connection
                log.exception("signalr tick failed")

    async def tick(self, now: float) -> None:
        """Send due keep-alive pings; drop silent, unconnected and abandoned connections."""
        o = self.options
        ping: dict[str, bytes] = {}
        for conn in list(self.connections.values()):
            state = conn.state
            if state is State.NEGOTIATED and now - conn.changed_at >= o.negotiate_timeout:
                await self._dispose(conn)
            elif state is State.CONNECTING and now - conn.changed_at >= o.handshake_timeout:
                await self.close(conn, error="Handshake was canceled.")
            elif state is State.DISCONNECTED and now - conn.changed_at >= o.reconnect_window:
                await self._dispose(conn)
            elif state is State.CONNECTED:
                polling = conn.transport is Transport.LONG_POLLING and conn.transport_active
                if not polling and now - conn.last_read >= o.client_timeout:
                    await self.close(
                        conn, error="Server timeout elapsed without receiving a message."
                    )
                elif conn.transport_active and now - conn.last_write >= o.keep_alive:
                    assert conn.protocol is not None
                    name = conn.protocol.name
                    if name not in ping:
                        ping[name] = conn.protocol.write({"type": MessageType.PING})
                    conn.last_write = now
                    conn.send_bytes(ping[name], trackable=False)

    # ----------------------------------------------------------------- sending

    def add_to_group(self, conn: Connection, group: str) -> None:
        """Let `conn` receive what is sent to `group`."""
        conn.groups.add(group)
        self.groups.setdefault(group, set()).add(conn)

    def remove_from_group(self, conn: Connection, group: str) -> None:
        """Stop sending `group`'s messages to `conn`."""
        conn.groups.discard(group)
        members = self.groups.get(group)
        if members is not None:
            members.discard(conn)
            if not members:
                del self.groups[group]

    def send_group(
        self, group: str, target: str, arguments: list[Any], headers: dict[str, str] | None = None
    ) -> int:
        """Invoke `target` on every connection in `group`; returns how many were sent to."""
        return self.send_to(self.groups.get(group, ()), target, arguments, headers)

    def send_to(
        self,
        connections: Iterable[Connection],
        target: str,
        arguments: list[Any],
        headers: dict[str, str] | None = None,
    ) -> int:
        """Invoke `target` on each connection, writing the message once per protocol."""
        return self.send_messages(connections, [invocation(target, arguments, headers)])

    def send_messages(self, connections: Iterable[Connection], messages: list[Message]) -> int:
        """Send `messages`, in order, to each connection; returns how many were sent to.

        Each message is written once per protocol. A WebSocket with nothing queued gets them
        at once, in frames built once for every such connection: a push to a thousand
        connections is then a thousand socket writes and little else.
        """
        if not messages:
            return 0
        written: dict[str, list[Any]] = {}  # protocol -> [messages' bytes, frames or None]
        now = self.now
        count = 0
        for conn in connections:
            protocol = conn.protocol
            if protocol is None or conn.state not in _RECEIVING:
                continue
            out = written.get(protocol.name)
            if out is None:
                out = written[protocol.name] = [[protocol.write(m) for m in messages], None]
            parts: list[bytes] = out[0]
            count += 1
            if conn.stateful:
                try:
                    for part in parts:
                        conn.track(part)
                except BufferFull:
                    self._overflow(conn)
                    continue
            if conn.direct is not None:
                if out[1] is None:
                    out[1] = frames(parts, protocol.binary)
                if conn.direct(out[1]):
                    conn.last_write = now
                    continue
            for part in parts:
                conn.queue(part)
        return count

    def _overflow(self, conn: Connection) -> None:
        log.warning("signalr connection %s: reconnect buffer full, closing", conn.id)
        self._spawn(self._dispose(conn))

    def _send(self, conn: Connection, data: bytes, *, trackable: bool) -> None:
        try:
            conn.send_bytes(data, trackable=trackable)
        except BufferFull:
            self._overflow(conn)

    def _reply(self, conn: Connection, message: Message) -> None:
        assert conn.protocol is not None
        self._send(conn, conn.protocol.write(message), trackable=message["type"] < 6)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(
        self, conn: Connection, *, error: str | None = None, allow_reconnect: bool = False
    ) -> None:
        """End a connection: a Close message if it got that far, then the transport."""
        if conn.state is State.CLOSED:
            return
        if conn.protocol is not None and conn.transport_active:
            message: Message = {"type": MessageType.CLOSE}
            if error:
                message["error"] = error
            if allow_reconnect:
                message["allowReconnect"] = True
            self._reply(conn, message)
        conn.ending = True
        if conn.transport_active and conn.wake is not None:
            conn.wake()
        await self._dispose(conn)

    def drop(self, conn: Connection) -> None:
        """End the transport as a network failure would; a stateful client reconnects."""
        if conn.abort is not None:
            conn.abort()

    async def _dispose(self, conn: Connection) -> None:
        if conn.state is State.CLOSED:
            return
        was_connected = conn.state in (State.CONNECTED, State.DISCONNECTED)
        conn.ending = True
        conn.move(State.CLOSED, self.now)
        if conn.wake is not None:
            conn.wake()
        self.connections.pop(conn.token, None)
        for group in list(conn.groups):
            self.remove_from_group(conn, group)
        if was_connected:
            try:
                await self.hub.on_disconnected(conn)
            except Exception:
                log.exception("hub on_disconnected failed for %s", conn.id)

    # ----------------------------------------------------------------- receiving

    async def receive(self, conn: Connection, data: bytes) -> None:
        """Bytes from the client: the handshake first, then hub messages."""
        conn.last_read = self.now
        buffer = conn.inbound + data
        if conn.protocol is None:
            try:
                request, buffer = parse_handshake(buffer)
            except HandshakeIncomplete:
                conn.inbound = buffer
                return
            except ProtocolError as exc:
                await self._refuse_handshake(conn, str(exc))
                return
            if not await self._handshake(conn, request):
                return
        try:
            messages, conn.inbound = conn.protocol.parse(buffer)  # type: ignore[union-attr]
        except ProtocolError as exc:
            await self.close(conn, error=f"Connection closed with an error. {exc}")
            return
        acks = False
        for message in messages:
            if not conn.is_new(message):
                continue
            acks = acks or 1 <= message["type"] <= 5
            await self._dispatch(conn, message)
            if conn.state is State.CLOSED:
                return
        if acks and conn.stateful:
            self._reply(conn, {"type": MessageType.ACK, "sequenceId": conn.last_received_id})

    async def _refuse_handshake(self, conn: Connection, error: str) -> None:
        conn.send_bytes(handshake_response(error), trackable=False)
        await self.close(conn)

    async def _handshake(self, conn: Connection, request: dict[str, Any]) -> bool:
        name, version = request["protocol"], request["version"]
        protocol = PROTOCOLS.get(name)
        if protocol is None:
            await self._refuse_handshake(conn, f"The protocol '{name}' is not supported.")
            return False
        if version > protocol.version:
            await self._refuse_handshake(
                conn, f"The server does not support version {version} of the '{name}' protocol."
            )
            return False
        if protocol.binary and conn.transport is Transport.SERVER_SENT_EVENTS:
            await self._refuse_handshake(
                conn,
                f"Cannot use the '{name}' protocol on the current transport. "
                "The transport does not support 'Binary' transfer format.",
            )
            return False
        conn.protocol = protocol
        conn.stateful = conn.stateful_allowed and version >= 2
        conn.send_bytes(handshake_response(), trackable=False)
        conn.move(State.CONNECTED, self.now)
        try:
            await self.hub.on_connected(conn)
        except Exception:
            log.exception("hub on_connected failed for %s", conn.id)
            await self.close(conn, error="Connection closed with an error.")
            return False
        return True

    async def _dispatch(self, conn: Connection, message: Message) -> None:
        kind = message["type"]
        if kind == MessageType.INVOCATION or kind == MessageType.STREAM_INVOCATION:
            await self._invoke(conn, message)
        elif kind == MessageType.CLOSE:
            await self._dispose(conn)
        elif kind == MessageType.ACK:
            conn.acknowledged(int(message["sequenceId"]))
        # Pings only refresh last_read; stream items, completions, cancellations and
        # Sequence (handled by is_new) need nothing more: hubs here start no client calls.

    async def _invoke(self, conn: Connection, message: Message) -> None:
        target = message["target"]
        invocation_id = message.get("invocationId")
        method = self.methods.get(target.lower())
        completion: Message = {"type": MessageType.COMPLETION, "invocationId": invocation_id}
        if method is None:
            log.debug("unknown hub method %r", target)
            completion["error"] = f"Unknown hub method '{target}'"
        elif message["type"] == MessageType.STREAM_INVOCATION:
            completion["error"] = (
                f"The client attempted to invoke the non-streaming '{target}' method with a "
                "streaming invocation."
            )
        else:
            try:
                result = await method(conn, message["arguments"])
            except HubError as exc:
                completion["error"] = str(exc)
            except Exception:
                log.exception("hub method %s failed", target)
                completion["error"] = (
                    f"An unexpected error occurred invoking '{target}' on the server."
                )
            else:
                if result is not None:
                    completion["result"] = result
        if invocation_id is not None:
            self._reply(conn, completion)

    # ----------------------------------------------------------------- ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve `{path}/negotiate` and `{path}` for every transport."""
        path = scope["path"]
        sub = path[len(self.path) :] if path.startswith(self.path) else path
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        cors = self._cors(scope)
        method = scope["method"]
        if method == "OPTIONS":
            await _respond(send, 204, b"", cors + self._preflight(scope))
        elif sub.rstrip("/") == "/negotiate":
            if method != "POST":
                await _respond(send, 405, b"", [*cors, (b"allow", b"POST")])
            else:
                await self._negotiate(scope, cors, send)
        elif method == "GET":
            accept = _headers(scope).get("accept", "")
            if "text/event-stream" in accept:
                await self._sse(scope, receive, send, cors)
            else:
                await self._long_poll(scope, receive, send, cors)
        elif method == "POST":
            await self._post(scope, receive, send, cors)
        elif method == "DELETE":
            await self._delete(scope, send, cors)
        else:
            await _respond(send, 405, b"", [*cors, (b"allow", b"GET, POST, DELETE")])

    @staticmethod
    def _cors(scope: Scope) -> list[tuple[bytes, bytes]]:
        origin = _headers(scope).get("origin")
        if not origin:
            return []
        # Credentials mode: the origin is echoed, never "*".
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]

    @staticmethod
    def _preflight(scope: Scope) -> list[tuple[bytes, bytes]]:
        asked = _headers(scope).get("access-control-request-headers")
        allowed = ALLOWED_HEADERS + (", " + asked if asked else "")
        return [
            (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
            (b"access-control-allow-headers", allowed.encode("latin-1")),
            (b"access-control-max-age", b"600"),
        ]

    async def _authenticate(self, scope: Scope) -> tuple[bool, Any]:
        try:
            return True, await self.hub.authenticate(RequestInfo(_headers(scope), _query(scope)))
        except Unauthorized:
            return False, None

    def _new_connection(
        self, user: Any, query: dict[str, str], *, stateful: bool, version: int = 1
    ) -> Connection:
        connection_id = secrets.token_urlsafe(16)
        # Version 0 clients address the connection by its id; later ones by a secret token.
        token = secrets.token_urlsafe(16) if version >= 1 else connection_id
        conn = Connection(
            connection_id,
            token,
            user=user,
            query=query,
            stateful_allowed=stateful,
            now=self.now,
            buffer_limit=self.options.buffer_limit,
        )
        self.connections[conn.token] = conn
        return conn

    async def _negotiate(self, scope: Scope, cors: list[tuple[bytes, bytes]], send: Send) -> None:
        query = _query(scope)
        raw = query.get("negotiateVersion")
        version = 0
        if raw is not None:
            try:
                version = int(raw)
            except ValueError:
                body = {"error": f"The client requested an invalid protocol version '{raw}'"}
                await _respond(send, 200, orjson.dumps(body), cors, json=True)
                return
        version = max(0, min(version, 1))
        ok, user = await self._authenticate(scope)
        if not ok:
            await _respond(send, 401, b"", [*cors, (b"www-authenticate", b"Bearer")])
            return
        stateful = version >= 1 and query.get("useStatefulReconnect") == "true"
        conn = self._new_connection(user, query, stateful=stateful, version=version)
        reply: dict[str, Any] = {"negotiateVersion": version, "connectionId": conn.id}
        if version >= 1:
            reply["connectionToken"] = conn.token
        reply["availableTransports"] = TRANSPORTS
        if stateful:
            reply["useStatefulReconnect"] = True
        await _respond(send, 200, orjson.dumps(reply), cors, json=True)

    def _lookup(self, scope: Scope) -> tuple[int, Connection | None]:
        token = _query(scope).get("id")
        if not token:
            return 400, None
        conn = self.connections.get(token)
        return (404, None) if conn is None else (200, conn)

    # ----------------------------------------------------------------- WebSockets

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first["type"] != "websocket.connect":
            return
        query = _query(scope)
        if "id" not in query:  # skipNegotiation: the connection starts here
            ok, user = await self._authenticate(scope)
            if not ok:
                await _deny(scope, send, 401, b"Unauthorized")
                return
            conn = self._new_connection(user, query, stateful=False)
        else:
            status, found = self._lookup(scope)
            if found is None:
                await _deny(scope, send, status, b"No Connection with that ID")
                return
            conn = found
            usable = conn.transport in (None, Transport.WEBSOCKETS) and conn.state in (
                State.NEGOTIATED,
                State.DISCONNECTED,
            )
            if conn.transport_active or not usable:
                await _deny(scope, send, 409, b"Connection ID already in use")
                return
        await send({"type": "websocket.accept"})

        direct = _direct_frames(send)

        async def write(data: bytes) -> None:
            binary = conn.protocol is not None and conn.protocol.binary
            if direct is not None and direct(frame_header(len(data), binary) + data):
                return
            if binary:
                await send({"type": "websocket.send", "bytes": data})
            else:
                await send({"type": "websocket.send", "text": data.decode("utf-8")})

        async def finish() -> None:
            await send({"type": "websocket.close", "code": 1000})

        writer = _Writer(self, conn, write, finish, shared=True)

        def abort() -> None:
            writer.lost = True
            conn.direct = None
            self._spawn(send({"type": "websocket.close", "code": 1001}))

        conn.abort = abort
        reconnect = conn.state is State.DISCONNECTED
        conn.transport = Transport.WEBSOCKETS
        conn.transport_active = True
        conn.wake = writer.wake
        if direct is not None:

            def write_now(frame: bytes) -> bool:
                # Only behind nothing: a queued message (the handshake answer, a write
                # waiting for the socket to drain) must reach the client first.
                return writer.idle.is_set() and not writer.lost and direct(frame)

            conn.direct = write_now
        conn.last_read = self.now
        if reconnect:
            conn.move(State.CONNECTED, self.now)
            conn.resume()
        else:
            conn.move(State.CONNECTING, self.now)
        try:
            while conn.state is not State.CLOSED:
                message = await receive()
                if message["type"] == "websocket.receive":
                    data = message.get("bytes")
                    if data is None:
                        data = message.get("text", "").encode("utf-8")
                    await self.receive(conn, data)
                elif message["type"] == "websocket.disconnect":
                    writer.lost = True
                    break
        finally:
            await writer.drain()
            conn.transport_active = False
            conn.wake = None
            conn.direct = None
            conn.abort = None
            conn.outbox.clear()
            if conn.state is State.CONNECTED and conn.stateful and not conn.ending:
                conn.move(State.DISCONNECTED, self.now)
            else:
                await self._dispose(conn)

    # ----------------------------------------------------------------- Server-Sent Events

    async def _sse(
        self, scope: Scope, receive: Receive, send: Send, cors: list[tuple[bytes, bytes]]
    ) -> None:
        status, conn = self._lookup(scope)
        if conn is None:
            await _respond(send, status, b"", cors)
            return
        if conn.state is not State.NEGOTIATED:
            await _respond(send, 409, b"", cors)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),
                    *cors,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b":\r\n", "more_body": True})
        ended = asyncio.Event()

        async def write(data: bytes) -> None:
            # One event per chunk; JSON messages never hold a line break.
            body = b"data: " + data + b"\r\n\r\n"
            await send({"type": "http.response.body", "body": body, "more_body": True})

        async def finish() -> None:
            ended.set()

        writer = _Writer(self, conn, write, finish, shared=False)
        conn.transport = Transport.SERVER_SENT_EVENTS
        conn.transport_active = True
        conn.wake = writer.wake
        conn.move(State.CONNECTING, self.now)
        listener = asyncio.ensure_future(_until_disconnect(receive))
        waiter = asyncio.ensure_future(ended.wait())
        try:
            await asyncio.wait({listener, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            listener.cancel()
            waiter.cancel()
            writer.lost = not ended.is_set()
            await writer.drain()
            conn.transport_active = False
            conn.wake = None
            await self._dispose(conn)
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    # ----------------------------------------------------------------- Long Polling

    async def _long_poll(
        self, scope: Scope, receive: Receive, send: Send, cors: list[tuple[bytes, bytes]]
    ) -> None:
        status, conn = self._lookup(scope)
        if conn is None:
            # A connection that has ended answers its late polls with 204.
            await _respond(send, 204 if status == 404 else status, b"", cors)
            return
        if conn.transport not in (None, Transport.LONG_POLLING):
            await _respond(send, 409, b"", cors)
            return
        if conn.state is State.NEGOTIATED:
            # The first poll only confirms the connection exists: 200 at once, empty.
            conn.transport = Transport.LONG_POLLING
            conn.move(State.CONNECTING, self.now)
            conn.last_read = self.now
            await _respond(send, 200, b"", cors)
            return
        previous = conn.poll
        if previous is not None and not previous.done():
            previous.set_result(False)  # a newer poll replaces it: the old one gets 204
        poll: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        conn.poll = poll
        conn.transport_active = True
        conn.last_read = self.now

        def wake() -> None:
            if not poll.done():
                poll.set_result(True)

        conn.wake = wake
        if conn.outbox or conn.ending:
            wake()
        listener = asyncio.ensure_future(_until_disconnect(receive))
        try:
            waiting: set[asyncio.Future[Any]] = {poll, listener}
            await asyncio.wait(
                waiting, timeout=self.options.poll_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            listener.cancel()
            if conn.poll is poll:
                conn.transport_active = False
                conn.wake = None
                conn.last_read = self.now
        if poll.done() and poll.result() is False:
            await _respond(send, 204, b"", cors)
            return
        if conn.state is State.CLOSED and not conn.outbox:
            await _respond(send, 204, b"", cors)
            return
        data = conn.take()
        if data:
            conn.last_write = self.now
        binary = conn.protocol is not None and conn.protocol.binary
        kind = b"application/octet-stream" if binary else b"text/plain; charset=utf-8"
        await _respond(send, 200, data, [*cors, (b"content-type", kind)])

    async def _post(
        self, scope: Scope, receive: Receive, send: Send, cors: list[tuple[bytes, bytes]]
    ) -> None:
        status, conn = self._lookup(scope)
        body = await _read_body(receive)
        if conn is None:
            await _respond(send, status, b"", cors)
            return
        if conn.transport is Transport.WEBSOCKETS:
            await _respond(send, 405, b"", cors)
            return
        if conn.state is State.NEGOTIATED:
            # Some clients post the handshake before their first poll; ASP.NET Core
            # holds it for the connection, and so do we.
            conn.transport = Transport.LONG_POLLING
            conn.move(State.CONNECTING, self.now)
        await self.receive(conn, body)
        await _respond(send, 200, b"", cors)

    async def _delete(self, scope: Scope, send: Send, cors: list[tuple[bytes, bytes]]) -> None:
        status, conn = self._lookup(scope)
        if conn is None:
            await _respond(send, status, b"", cors)
            return
        if conn.transport is not Transport.LONG_POLLING:
            await _respond(
                send, 400, b"Cannot terminate this connection using the DELETE endpoint.", cors
            )
            return
        await self._dispose(conn)
        if conn.poll is not None and not conn.poll.done():
            conn.poll.set_result(False)
        await _respond(send, 202, b"", cors)


def frames(messages: list[bytes], binary: bool) -> bytes:
    """WebSocket frames carrying `messages` whole, at most `FRAME_LIMIT` bytes each if they fit.

    SignalR clients split a frame into its messages, so several may share one; the limit keeps
    each frame well inside the smallest receive limit of common WebSocket clients (1 MiB).
    """
    out: list[bytes] = []
    chunk: list[bytes] = []
    size = 0
    for message in messages:
        if chunk and size + len(message) > FRAME_LIMIT:
            out += (frame_header(size, binary), *chunk)
            chunk, size = [], 0
        chunk.append(message)
        size += len(message)
    out += (frame_header(size, binary), *chunk)
    return b"".join(out)


def frame_header(length: int, binary: bool) -> bytes:
    """RFC 6455 header of one final, unmasked, uncompressed frame of `length` bytes."""
    first = 0x82 if binary else 0x81
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


def _direct_frames(send: Any) -> Callable[[bytes], bool] | None:
    """A writer of whole frames straight to the socket under uvicorn's sans-I/O protocol.

    About a third of a push's time per connection went to the ASGI send path (text decoded
    to str for the message and encoded again, the frame built by the protocol object). A
    server-to-client frame is the same bytes for every connection, so this writes it to the
    transport as the protocol would. It applies only where nothing else could change those
    bytes (no extension such as compression was negotiated) and refuses (returns False)
    whenever the socket is not ready to take writes; the caller then uses the ASGI send.
    """
    proto: Any = getattr(send, "__self__", None)
    transport = getattr(proto, "transport", None)
    writable = getattr(proto, "writable", None)
    state = getattr(proto, "conn", None)
    if (
        transport is None
        or not isinstance(writable, asyncio.Event)
        or not hasattr(proto, "close_sent")
        or getattr(state, "extensions", None) != []
    ):
        return None

    def write(frame: bytes) -> bool:
        if proto.close_sent or transport.is_closing() or not writable.is_set():
            return False
        transport.write(frame)
        return True

    return write


class _Writer:
    """Sends a connection's queued messages over a push transport.

    WebSocket writers share the server's one flushing task: an ASGI WebSocket send hands the
    frame to the transport without waiting, so one task can serve every connection, and a
    push to a thousand connections creates no task per connection. Other writers (SSE, whose
    sends may wait for a slow reader) run a task of their own while they have work.
    """

    def __init__(
        self,
        server: SignalRServer,
        conn: Connection,
        write: Callable[[bytes], Awaitable[None]],
        finish: Callable[[], Awaitable[None]],
        *,
        shared: bool,
    ) -> None:
        self.server, self.conn = server, conn
        self.write, self.finish = write, finish
        self.shared = shared
        self.idle = asyncio.Event()
        self.idle.set()
        self.task: asyncio.Task[None] | None = None
        self.lost = False  # the peer is gone: nothing more can be written

    def wake(self) -> None:
        """Have the queue written soon (a write under way picks new messages up too)."""
        if self.shared:
            self.idle.clear()
            self.server._schedule(self)
        elif self.task is None or self.task.done():
            self.idle.clear()
            self.task = asyncio.ensure_future(self.run())

    async def run(self) -> None:
        """Write everything queued; then the close, if the connection is ending."""
        conn = self.conn
        try:
            while conn.outbox and not self.lost:
                data = conn.take()
                conn.last_write = self.server.now
                await self.write(data)
            if conn.ending and not self.lost:
                await self.finish()
        except Exception:  # the peer went away mid-write; the reader notices too
            self.lost = True
            conn.outbox.clear()
        finally:
            if not (self.shared and self in self.server._dirty):
                self.idle.set()

    async def drain(self) -> None:
        """Let queued writes finish (a handshake error or Close must reach the peer)."""
        for _ in range(2):
            if not self.idle.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.idle.wait(), timeout=5)
            if not (self.conn.ending and not self.lost):
                return
            self.wake()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    *,
    json: bool = False,
) -> None:
    head = list(headers)
    if json:
        head.append((b"content-type", b"application/json"))
    head.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def _deny(scope: Scope, send: Send, status: int, body: bytes) -> None:
    """Refuse a WebSocket upgrade with an HTTP status where the server allows it."""
    if "websocket.http.response" in scope.get("extensions", {}):
        await send(
            {
                "type": "websocket.http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})
