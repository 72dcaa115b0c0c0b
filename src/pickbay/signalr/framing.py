"""WebSocket framing: the frames of a push, built once and written straight to the socket."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

FRAME_LIMIT = 64 * 1024


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


def _socket(send: Any) -> tuple[Any, Any, asyncio.Event] | None:
    """The protocol, transport and writable flag behind uvicorn's sans-I/O WebSocket `send`,
    where no extension (such as compression) was negotiated."""
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
    return proto, transport, writable


def direct_frames(send: Any) -> Callable[[bytes], bool] | None:
    """A writer of whole frames straight to the socket under uvicorn's sans-I/O protocol.

    About a third of a push's time per connection went to the ASGI send path (text decoded
    to str for the message and encoded again, the frame built by the protocol object). A
    server-to-client frame is the same bytes for every connection, so this writes it to the
    transport as the protocol would. It applies only where nothing else could change those
    bytes (no extension such as compression was negotiated) and refuses (returns False)
    whenever the socket is not ready to take writes; the caller then uses the ASGI send.
    """
    found = _socket(send)
    if found is None:
        return None
    proto, transport, writable = found

    def write(frame: bytes) -> bool:
        if proto.close_sent or transport.is_closing() or not writable.is_set():
            return False
        transport.write(frame)
        return True

    return write


def send_ready(send: Any) -> Callable[[], bool] | None:
    """Whether an ASGI send on this socket would go through at once (False: its reader is
    behind, and the send would wait for it); None where that cannot be seen."""
    found = _socket(send)
    if found is None:
        return None
    proto, transport, writable = found
    return lambda: bool(writable.is_set() or proto.close_sent or transport.is_closing())
