"""One logical SignalR connection: its protocol, outgoing queue and stateful-reconnect buffer."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pickbay.signalr.protocol import HubProtocol, Message, MessageType


class Transport(StrEnum):
    """The transports a connection can use, by their negotiate names."""

    WEBSOCKETS = "WebSockets"
    SERVER_SENT_EVENTS = "ServerSentEvents"
    LONG_POLLING = "LongPolling"


class State(StrEnum):
    """Where a connection is in its life; `next` refuses anything not listed."""

    NEGOTIATED = "negotiated"  # has ids, no transport yet
    CONNECTING = "connecting"  # a transport is attached, the handshake has not finished
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"  # stateful: the transport dropped, a reconnect may follow
    CLOSED = "closed"


_MOVES: dict[State, frozenset[State]] = {
    State.NEGOTIATED: frozenset({State.CONNECTING, State.CLOSED}),
    State.CONNECTING: frozenset({State.CONNECTED, State.CLOSED}),
    State.CONNECTED: frozenset({State.DISCONNECTED, State.CLOSED}),
    State.DISCONNECTED: frozenset({State.CONNECTED, State.CLOSED}),
    State.CLOSED: frozenset(),
}


class BufferFull(Exception):
    """A connection holds more than it may: unacknowledged messages of a stateful connection
    past the buffer limit, or messages waiting to be written past the queue limit."""


class Connection:
    """A client's connection as the hub sees it, whatever transport carries it."""

    def __init__(
        self,
        connection_id: str,
        token: str,
        *,
        user: Any,
        query: dict[str, str],
        stateful_allowed: bool,
        now: float,
        buffer_limit: int,
        queue_limit: int = 1_000_000,
    ) -> None:
        self.id = connection_id
        self.token = token
        self.user = user
        self.query = query
        self.stateful_allowed = stateful_allowed
        self.stateful = False
        self.state = State.NEGOTIATED
        self.protocol: HubProtocol | None = None
        self.transport: Transport | None = None
        self.transport_active = False
        self.groups: set[str] = set()
        self.inbound = b""
        self.last_read = now
        self.last_write = now
        self.changed_at = now  # when the state last changed
        self.ending = False  # the server asked the transport to finish and close
        self.outbox: deque[bytes] = deque()
        self.queued_bytes = 0  # what the outbox holds
        self._queue_limit = queue_limit
        self.wake: Callable[[], None] | None = None
        # Writes one whole frame to the socket now, if nothing is queued before it (else False).
        self.direct: Callable[[bytes], bool] | None = None
        self.poll: asyncio.Future[bool] | None = None  # the pending long poll
        self.abort: Callable[[], None] | None = None  # drops the transport, keeps the state
        # Sent and unacknowledged: (message id, bytes, the log position it stands for).
        self._buffer: deque[tuple[int, bytes, int | None]] = deque()
        self._unplayable = 0  # buffered messages with no log position (a call's completion)
        # What the client has acknowledged, in log positions (see `count_from`): the last
        # position acknowledged, the one before it, and how many of the last one's messages.
        self._numbered = False
        self._acked = 0
        self._acked_prior = 0
        self._acked_run = 0
        self.checkpoint_written: tuple[int, int, int] | None = None
        self.checkpoint_at = 0.0
        self.resumed_after: int | None = None  # resumed from another process: replay after
        self._buffered_bytes = 0
        self._buffer_limit = buffer_limit
        self._next_out = 1
        self._last_in = 0
        self._next_in = 1

    def move(self, to: State, now: float) -> None:
        """Change state, refusing a move the lifecycle does not list."""
        if to not in _MOVES[self.state]:
            raise ValueError(f"connection {self.id}: {self.state} -> {to} is not allowed")
        self.state, self.changed_at = to, now

    # ----------------------------------------------------------------- sending

    def send_bytes(self, data: bytes, *, trackable: bool) -> None:
        """Queue bytes already written in this connection's protocol."""
        if self.state is State.CLOSED:
            return
        if self.stateful and trackable:
            self.track(data)
        self.queue(data)

    def track(self, data: bytes, position: int | None = None) -> None:
        """Keep a sent message until the client acknowledges it (stateful connections);
        `position`: where in the event log the message comes from, if it does."""
        self._buffer.append((self._next_out, data, position))
        self._next_out += 1
        if position is None:
            self._unplayable += 1
        self._buffered_bytes += len(data)
        if self._buffered_bytes > self._buffer_limit:
            raise BufferFull(self.id)

    def queue(self, data: bytes) -> None:
        """Have the transport write `data` after whatever is queued before it."""
        if self.ending:  # closing: its Close message is the last it gets
            return
        # Long polling queues between polls; other transports only while attached.
        if self.transport_active or self.transport is Transport.LONG_POLLING:
            self.outbox.append(data)
            self.queued_bytes += len(data)
            if self.wake is not None:
                self.wake()
            # A client that stops reading must not grow the server without bound.
            if self.queued_bytes > self._queue_limit:
                raise BufferFull(self.id)

    def take(self) -> bytes:
        """Everything queued, as one chunk (whole messages only)."""
        data = b"".join(self.outbox)
        self.drop_queue()
        return data

    def drop_queue(self) -> None:
        """Forget everything queued (the transport is gone)."""
        self.outbox.clear()
        self.queued_bytes = 0

    def resume(self) -> None:
        """After a stateful reconnect: Sequence first, then every unacknowledged message."""
        assert self.protocol is not None
        first = self._buffer[0][0] if self._buffer else self._next_out
        self.drop_queue()
        self.outbox.append(self.protocol.write({"type": MessageType.SEQUENCE, "sequenceId": first}))
        self.outbox.extend(entry[1] for entry in self._buffer)
        self.queued_bytes = sum(len(data) for data in self.outbox)
        if self.wake is not None:
            self.wake()

    def acknowledged(self, sequence_id: int) -> None:
        """The client has every message up to `sequence_id`; drop them from the buffer."""
        while self._buffer and self._buffer[0][0] <= sequence_id:
            _, data, position = self._buffer.popleft()
            self._buffered_bytes -= len(data)
            if position is None:
                self._unplayable -= 1
                self._acked_run = 0
            elif position == self._acked and self._acked_run:
                self._acked_run += 1
            else:
                self._acked_prior, self._acked, self._acked_run = self._acked, position, 1

    # ----------------------------------------------------------------- resuming elsewhere

    def count_from(self, position: int) -> None:
        """From now on every trackable message sent comes from the event log, in order, after
        `position`: another process can then send them again from the log."""
        self._numbered = True
        self._acked = self._acked_prior = position
        self._acked_run = 0

    def checkpoint(self) -> tuple[int, int, int] | None:
        """Where another process resumes this connection: the id of the first message not
        wholly acknowledged with the log position after which it comes, and how many buffered
        messages no log holds (None if its messages are not numbered from the log)."""
        if not self._numbered:
            return None
        if self._buffer:
            first, _, position = self._buffer[0]
            if position is not None and position == self._acked and self._acked_run:
                # Part of one event's messages acknowledged: that event is sent again whole.
                return first - self._acked_run, self._acked_prior, self._unplayable
            return first, self._acked, self._unplayable
        return self._next_out, self._acked, 0

    def resume_at(self, next_id: int, position: int) -> None:
        """A connection another process held continues here: its next message has `next_id`,
        and comes after `position` in the log."""
        self._next_out = next_id
        self.count_from(position)

    # ----------------------------------------------------------------- receiving

    def is_new(self, message: Message) -> bool:
        """False for a trackable message the client already sent before a reconnect."""
        if not self.stateful:
            return True
        kind = message["type"]
        if kind == MessageType.SEQUENCE:
            self._next_in = int(message["sequenceId"])
            return True
        if not 1 <= kind <= 5:
            return True
        current = self._next_in
        self._next_in += 1
        if current <= self._last_in:
            return False
        self._last_in = current
        return True

    @property
    def last_received_id(self) -> int:
        """The newest trackable message id received from the client (for Ack)."""
        return self._last_in
