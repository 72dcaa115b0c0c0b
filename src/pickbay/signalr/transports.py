"""The three transports of a SignalR connection (WebSockets, Server-Sent Events, Long Polling),
and the writer that sends a connection's queue over a push transport."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pickbay.signalr import framing
from pickbay.signalr.asgi import (
    Headers,
    Receive,
    Scope,
    Send,
    deny,
    query,
    read_body,
    respond,
    until_disconnect,
)
from pickbay.signalr.connection import Connection, State, Transport

if TYPE_CHECKING:
    from pickbay.signalr.server import SignalRServer


class Writer:
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
        ready: Callable[[], bool] | None = None,
    ) -> None:
        self.server, self.conn = server, conn
        self.write, self.finish = write, finish
        self.shared = shared
        # Whether a write would go through now; a shared writer whose reader is behind writes
        # from a task of its own, so it holds up no other connection.
        self.ready = ready
        self.idle = asyncio.Event()
        self.idle.set()
        self.task: asyncio.Task[None] | None = None
        self.lost = False  # the peer is gone: nothing more can be written

    def wake(self) -> None:
        """Have the queue written soon (a write under way picks new messages up too)."""
        if self.shared:
            self.idle.clear()
            self.server.schedule(self)
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
            conn.drop_queue()
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


async def websocket(server: SignalRServer, scope: Scope, receive: Receive, send: Send) -> None:
    first = await receive()
    if first["type"] != "websocket.connect":
        return
    params = query(scope)
    if "id" not in params:  # skipNegotiation: the connection starts here
        ok, user = await server.authenticate(scope)
        if not ok:
            await deny(scope, send, 401, b"Unauthorized")
            return
        conn = server.new_connection(user, params, stateful=False)
    else:
        status, found = server.lookup(scope)
        if found is None and status == 404:
            found = await server.adopt(scope)
        if found is None:
            await deny(scope, send, status, b"No Connection with that ID")
            return
        conn = found
        usable = conn.transport in (None, Transport.WEBSOCKETS) and conn.state in (
            State.NEGOTIATED,
            State.DISCONNECTED,
        )
        if conn.transport_active or not usable:
            await deny(scope, send, 409, b"Connection ID already in use")
            return
    await send({"type": "websocket.accept"})

    direct = framing.direct_frames(send)

    async def write(data: bytes) -> None:
        binary = conn.protocol is not None and conn.protocol.binary
        if direct is not None and direct(framing.frame_header(len(data), binary) + data):
            return
        if binary:
            await send({"type": "websocket.send", "bytes": data})
        else:
            await send({"type": "websocket.send", "text": data.decode("utf-8")})

    async def finish() -> None:
        await send({"type": "websocket.close", "code": 1000})

    writer = Writer(server, conn, write, finish, shared=True, ready=framing.send_ready(send))

    def abort() -> None:
        writer.lost = True
        conn.direct = None
        server._spawn(send({"type": "websocket.close", "code": 1001}))

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
    conn.last_read = server.now
    if reconnect:
        conn.move(State.CONNECTED, server.now)
        conn.resume()
        await server.resumed(conn)
    else:
        conn.move(State.CONNECTING, server.now)
    try:
        while conn.state is not State.CLOSED:
            message = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("bytes")
                if data is None:
                    data = message.get("text", "").encode("utf-8")
                await server.receive(conn, data)
            elif message["type"] == "websocket.disconnect":
                writer.lost = True
                break
    finally:
        await writer.drain()
        conn.transport_active = False
        conn.wake = None
        conn.direct = None
        conn.abort = None
        conn.drop_queue()
        if conn.state is State.CONNECTED and conn.stateful and not conn.ending:
            conn.move(State.DISCONNECTED, server.now)
        else:
            await server._dispose(conn)


async def sse(
    server: SignalRServer,
    scope: Scope,
    receive: Receive,
    send: Send,
    cors: Headers,
) -> None:
    status, conn = server.lookup(scope)
    if conn is None:
        await respond(send, status, b"", cors)
        return
    if conn.state is not State.NEGOTIATED:
        await respond(send, 409, b"", cors)
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

    writer = Writer(server, conn, write, finish, shared=False)
    conn.transport = Transport.SERVER_SENT_EVENTS
    conn.transport_active = True
    conn.wake = writer.wake
    conn.move(State.CONNECTING, server.now)
    listener = asyncio.ensure_future(until_disconnect(receive))
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
        await server._dispose(conn)
    with contextlib.suppress(Exception):
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def long_poll(
    server: SignalRServer,
    scope: Scope,
    receive: Receive,
    send: Send,
    cors: Headers,
) -> None:
    status, conn = server.lookup(scope)
    if conn is None:
        # A connection that has ended answers its late polls with 204.
        await respond(send, 204 if status == 404 else status, b"", cors)
        return
    if conn.transport not in (None, Transport.LONG_POLLING):
        await respond(send, 409, b"", cors)
        return
    if conn.state is State.NEGOTIATED:
        # The first poll only confirms the connection exists: 200 at once, empty.
        conn.transport = Transport.LONG_POLLING
        conn.move(State.CONNECTING, server.now)
        conn.last_read = server.now
        await respond(send, 200, b"", cors)
        return
    previous = conn.poll
    if previous is not None and not previous.done():
        previous.set_result(False)  # a newer poll replaces it: the old one gets 204
    poll: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    conn.poll = poll
    conn.transport_active = True
    conn.last_read = server.now

    def wake() -> None:
        if not poll.done():
            poll.set_result(True)

    conn.wake = wake
    if conn.outbox or conn.ending:
        wake()
    listener = asyncio.ensure_future(until_disconnect(receive))
    try:
        waiting: set[asyncio.Future[Any]] = {poll, listener}
        await asyncio.wait(
            waiting, timeout=server.options.poll_timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        listener.cancel()
        if conn.poll is poll:
            conn.transport_active = False
            conn.wake = None
            conn.last_read = server.now
    if poll.done() and poll.result() is False:
        await respond(send, 204, b"", cors)
        return
    if conn.state is State.CLOSED and not conn.outbox:
        await respond(send, 204, b"", cors)
        return
    data = conn.take()
    if data:
        conn.last_write = server.now
    binary = conn.protocol is not None and conn.protocol.binary
    kind = b"application/octet-stream" if binary else b"text/plain; charset=utf-8"
    await respond(send, 200, data, [*cors, (b"content-type", kind)])


async def post(
    server: SignalRServer,
    scope: Scope,
    receive: Receive,
    send: Send,
    cors: Headers,
) -> None:
    status, conn = server.lookup(scope)
    body = await read_body(receive)
    if conn is None:
        await respond(send, status, b"", cors)
        return
    if conn.transport is Transport.WEBSOCKETS:
        await respond(send, 405, b"", cors)
        return
    if conn.state is State.NEGOTIATED:
        # Some clients post the handshake before their first poll; ASP.NET Core
        # holds it for the connection, and so do we.
        conn.transport = Transport.LONG_POLLING
        conn.move(State.CONNECTING, server.now)
    await server.receive(conn, body)
    await respond(send, 200, b"", cors)


async def delete(server: SignalRServer, scope: Scope, send: Send, cors: Headers) -> None:
    status, conn = server.lookup(scope)
    if conn is None:
        await respond(send, status, b"", cors)
        return
    if conn.transport is not Transport.LONG_POLLING:
        await respond(
            send, 400, b"Cannot terminate this connection using the DELETE endpoint.", cors
        )
        return
    await server._dispose(conn)
    if conn.poll is not None and not conn.poll.done():
        conn.poll.set_result(False)
    await respond(send, 202, b"", cors)
