"""A SignalR server as an ASGI app: negotiate, the connections and their groups, pushes to
them, keep-alive, and the hub protocol's dispatch.

It knows nothing about what a hub is for. A `Hub` authenticates requests, learns of
connections coming and going, and may answer client invocations; the server does the rest
as ASP.NET Core does (TransportProtocols.md, HubProtocol.md). The transports are in
`transports.py`, WebSocket framing in `framing.py`, the ASGI plumbing in `asgi.py`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import orjson

from pickbay.signalr import transports
from pickbay.signalr.asgi import Receive, Scope, Send, cors, headers, preflight, query, respond
from pickbay.signalr.connection import BufferFull, Connection, State, Transport
from pickbay.signalr.framing import frames
from pickbay.signalr.hub import Hub, HubError, Options, RequestInfo, Unauthorized, invocation
from pickbay.signalr.protocol import (
    PROTOCOLS,
    HandshakeIncomplete,
    Message,
    MessageType,
    ProtocolError,
    handshake_response,
    parse_handshake,
)
from pickbay.signalr.tokens import Sealer
from pickbay.signalr.transports import Writer

log = logging.getLogger(__name__)
CHECKPOINT_REFRESH = 10.0  # seconds between writes of a connection's unchanged checkpoint


class SharedStore(Protocol):
    """Values every process of the deployment reads (the backplane's store)."""

    async def put(self, values: dict[str, bytes], ttl: float) -> None:
        """Keep each value under its key for `ttl` seconds."""

    async def get(self, key: str) -> bytes | None:
        """The value under `key`, if any."""


TRANSPORTS = [
    {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]},
    {"transport": "ServerSentEvents", "transferFormats": ["Text"]},
    {"transport": "LongPolling", "transferFormats": ["Text", "Binary"]},
]
_RECEIVING = (State.CONNECTED, State.DISCONNECTED)  # a stateful connection buffers while away


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
        self._dirty: dict[Writer, None] = {}  # writers with something to send, in order
        self._flusher: asyncio.Task[None] | None = None
        self._sealer: Sealer | None = None
        self._store: SharedStore | None = None
        self._writing: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- lifecycle

    def share(
        self, key: bytes, wall: Callable[[], float], store: SharedStore | None = None
    ) -> None:
        """Seal connection tokens with `key`, which every process of the deployment holds:
        a WebSocket may then open a connection that another process negotiated. With a
        `store`, a stateful reconnect may also resume there a connection another process
        held, when its hub numbers its messages from a log (`Hub.resumes`)."""
        self._sealer = Sealer(key, wall, self.options.negotiate_timeout)
        self._store = store

    def start(self) -> None:
        """Start the keep-alive and expiry ticker."""
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        """Close every connection and stop the ticker."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self._writing is not None:
            self._writing.cancel()
        await self.hub.stop()
        for conn in list(self.connections.values()):
            await self.close(conn, allow_reconnect=True)
        for task in list(self._tasks):
            task.cancel()

    @property
    def now(self) -> float:
        """The event loop's clock (network timers only; never the sandbox's time)."""
        return asyncio.get_running_loop().time()

    def schedule(self, writer: Writer) -> None:
        """Have the shared flushing task write `writer`'s queue."""
        self._dirty[writer] = None
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        while self._dirty:
            writer = next(iter(self._dirty))
            del self._dirty[writer]
            if writer.task is not None and not writer.task.done():
                continue  # its own task is writing, and takes what was queued since
            if writer.ready is not None and not writer.ready():
                writer.task = asyncio.ensure_future(writer.run())  # a slow reader waits alone
                continue
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
        if self._store is not None and (self._writing is None or self._writing.done()):
            # Apart from the ticker: a backplane that stalls must not stop the keep-alives.
            self._writing = asyncio.ensure_future(self._write_checkpoints(now))
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
                    self._send(conn, ping[name], trackable=False)

    def connected(self) -> int:
        """How many clients are connected now (handshake done, transport up)."""
        return sum(1 for c in self.connections.values() if c.state is State.CONNECTED)

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

    def send_messages(
        self,
        connections: Iterable[Connection],
        messages: list[Message],
        positions: Sequence[int] | None = None,
    ) -> int:
        """Send `messages`, in order, to each connection; returns how many were sent to.

        Each message is written once per protocol. A WebSocket with nothing queued gets them
        at once, in frames built once for every such connection: a push to a thousand
        connections is then a thousand socket writes and little else. `positions`: where in
        the hub's log each message comes from (what a resumed connection is replayed from).
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
                    for n, part in enumerate(parts):
                        conn.track(part, None if positions is None else positions[n])
                except BufferFull:
                    self._overflow(conn)
                    continue
            if conn.direct is not None:
                if out[1] is None:
                    out[1] = frames(parts, protocol.binary)
                if conn.direct(out[1]):
                    conn.last_write = now
                    continue
            try:
                for part in parts:
                    conn.queue(part)
            except BufferFull:
                self._overflow(conn)
        return count

    def _overflow(self, conn: Connection) -> None:
        log.warning("signalr connection %s: too much unsent or unacknowledged; closing", conn.id)
        conn.ending = True  # from now on nothing is queued for it
        conn.drop_queue()
        self._spawn(self._dispose(conn))
        self.drop(conn)

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

    def drop_all(self, user: str | None = None) -> int:
        """Drop every connection (of `user`) whose transport can fail as a network does (a long
        poll has no socket to lose: it waits on the client's next request); how many."""
        dropped = [
            c
            for c in self.connections.values()
            if (user is None or c.user == user) and c.abort is not None
        ]
        for conn in dropped:
            self.drop(conn)
        return len(dropped)

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
        if conn.stateful and self._store is not None:
            self._spawn(self._write_checkpoints(self.now, [conn]))
        return True

    # ----------------------------------------------------------------- resuming elsewhere

    def _checkpoint_key(self, connection_id: str) -> str:
        return f"signalr:{self.path}:{connection_id}"

    async def _write_checkpoints(
        self, now: float, connections: Iterable[Connection] | None = None
    ) -> None:
        """Store where each connected stateful connection would resume, if it changed (or
        now and then, so it lives as long as the connection)."""
        if self._store is None or not self.hub.resumes:
            return
        values: dict[str, bytes] = {}
        for conn in self.connections.values() if connections is None else connections:
            if not conn.stateful or conn.state is not State.CONNECTED or conn.protocol is None:
                continue
            point = conn.checkpoint()
            stale = now - conn.checkpoint_at >= CHECKPOINT_REFRESH
            if point is None or (point == conn.checkpoint_written and not stale):
                continue
            next_id, after, unplayable = point
            values[self._checkpoint_key(conn.id)] = orjson.dumps(
                [next_id, after, unplayable, conn.protocol.name]
            )
            conn.checkpoint_written, conn.checkpoint_at = point, now
        if values:
            ttl = self.options.reconnect_window + CHECKPOINT_REFRESH
            try:
                await asyncio.wait_for(self._store.put(values, ttl), CHECKPOINT_REFRESH)
            except Exception:
                log.warning("signalr: could not store %d resume checkpoint(s)", len(values))

    async def _resumable(
        self, token: str, connection_id: str, user: Any, params: dict[str, str]
    ) -> Connection | None:
        """A connection another process held, ready to resume here (disconnected, numbered
        from its checkpoint), or None if there is nothing to resume it from."""
        if self._store is None or not self.hub.resumes:
            return None
        try:
            raw = await self._store.get(self._checkpoint_key(connection_id))
            next_id, after, unplayable, name = orjson.loads(raw) if raw else (0, 0, 1, "")
        except Exception:
            log.warning("signalr: could not read the resume checkpoint of %s", connection_id)
            return None
        protocol = PROTOCOLS.get(name)
        if unplayable or protocol is None or token in self.connections:
            return None  # a call's completion that no log holds: it cannot be sent again
        conn = self.new_connection(user, params, stateful=True, known=(connection_id, token))
        conn.protocol, conn.stateful = protocol, True
        for state in (State.CONNECTING, State.CONNECTED, State.DISCONNECTED):
            conn.move(state, self.now)
        conn.resume_at(int(next_id), int(after))
        conn.resumed_after = int(after)
        return conn

    async def resumed(self, conn: Connection) -> None:
        """A connection resumed from another process's checkpoint is back: its hub sends
        again, from the log, what follows the checkpoint."""
        after, conn.resumed_after = conn.resumed_after, None
        if after is None:
            return
        try:
            await self.hub.on_resumed(conn, after)
        except Exception:
            log.exception("hub on_resumed failed for %s", conn.id)
            await self.close(conn, error="Connection closed with an error.")

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
            await transports.websocket(self, scope, receive, send)
            return
        allowed = cors(scope)
        method = scope["method"]
        if method == "OPTIONS":
            await respond(send, 204, b"", allowed + preflight(scope))
        elif sub.rstrip("/") == "/negotiate":
            if method != "POST":
                await respond(send, 405, b"", [*allowed, (b"allow", b"POST")])
            else:
                await self._negotiate(scope, allowed, send)
        elif method == "GET":
            accept = headers(scope).get("accept", "")
            if "text/event-stream" in accept:
                await transports.sse(self, scope, receive, send, allowed)
            else:
                await transports.long_poll(self, scope, receive, send, allowed)
        elif method == "POST":
            await transports.post(self, scope, receive, send, allowed)
        elif method == "DELETE":
            await transports.delete(self, scope, send, allowed)
        else:
            await respond(send, 405, b"", [*allowed, (b"allow", b"GET, POST, DELETE")])

    async def authenticate(self, scope: Scope) -> tuple[bool, Any]:
        """Whether the hub accepts the request's credentials, and its user."""
        try:
            return True, await self.hub.authenticate(RequestInfo(headers(scope), query(scope)))
        except Unauthorized:
            return False, None

    def new_connection(
        self,
        user: Any,
        query: dict[str, str],
        *,
        stateful: bool,
        version: int = 1,
        known: tuple[str, str] | None = None,
    ) -> Connection:
        """A new connection, known by its token from now on (`known`: the id and token another
        process negotiated)."""
        if known is not None:
            connection_id, token = known
        else:
            connection_id = secrets.token_urlsafe(16)
            # Version 0 clients address the connection by its id; later ones by a secret token,
            # sealed when the deployment shares a key.
            token = connection_id
            if version >= 1:
                sealed = None
                if self._sealer is not None:
                    sealed = self._sealer.seal(connection_id, user, stateful=stateful)
                token = sealed or secrets.token_urlsafe(16)
        conn = Connection(
            connection_id,
            token,
            user=user,
            query=query,
            stateful_allowed=stateful,
            now=self.now,
            buffer_limit=self.options.buffer_limit,
            queue_limit=self.options.queue_limit,
        )
        self.connections[conn.token] = conn
        return conn

    async def _negotiate(
        self, scope: Scope, allowed: list[tuple[bytes, bytes]], send: Send
    ) -> None:
        params = query(scope)
        raw = params.get("negotiateVersion")
        version = 0
        if raw is not None:
            try:
                version = int(raw)
            except ValueError:
                body = {"error": f"The client requested an invalid protocol version '{raw}'"}
                await respond(send, 200, orjson.dumps(body), allowed, json=True)
                return
        version = max(0, min(version, 1))
        ok, user = await self.authenticate(scope)
        if not ok:
            await respond(send, 401, b"", [*allowed, (b"www-authenticate", b"Bearer")])
            return
        stateful = version >= 1 and params.get("useStatefulReconnect") == "true"
        conn = self.new_connection(user, params, stateful=stateful, version=version)
        reply: dict[str, Any] = {"negotiateVersion": version, "connectionId": conn.id}
        if version >= 1:
            reply["connectionToken"] = conn.token
        reply["availableTransports"] = TRANSPORTS
        if stateful:
            reply["useStatefulReconnect"] = True
        await respond(send, 200, orjson.dumps(reply), allowed, json=True)

    async def adopt(self, scope: Scope) -> Connection | None:
        """A connection for `?id=` that another process negotiated, if its token is sealed with
        the shared key and still fresh, or that another process held and a stateful reconnect
        resumes here (WebSockets only: the other transports span several requests, which a
        balancer may send anywhere)."""
        token = query(scope).get("id", "")
        if self._sealer is None or token in self.connections:
            return None
        sealed = self._sealer.open(token, fresh=False)
        if sealed is None:
            return None
        if sealed.stateful:
            resumed = await self._resumable(token, sealed.connection_id, sealed.user, query(scope))
            if resumed is not None:
                return resumed
        if self._sealer.open(token) is None:  # past the time a negotiated id lives
            return None
        return self.new_connection(
            sealed.user,
            query(scope),
            stateful=sealed.stateful,
            known=(sealed.connection_id, token),
        )

    def lookup(self, scope: Scope) -> tuple[int, Connection | None]:
        """The connection named by `?id=`, or the status that says why there is none."""
        token = query(scope).get("id")
        if not token:
            return 400, None
        conn = self.connections.get(token)
        return (404, None) if conn is None else (200, conn)
