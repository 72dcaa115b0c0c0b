"""SignalR hub protocols: the JSON handshake, JSON and MessagePack messages, their framing.

Messages are dicts with the JSON protocol's keys (`type`, `invocationId`, `target`,
`arguments`, ...) whichever protocol carries them; each protocol maps them to its wire form.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import IntEnum
from typing import Any, ClassVar

import msgpack
import orjson

from pickbay.signalr.clr import json_default, msgpack_default

RECORD_SEPARATOR = b"\x1e"

Message = dict[str, Any]


class MessageType(IntEnum):
    """Hub message types (HubProtocol.md)."""

    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7
    ACK = 8
    SEQUENCE = 9


# Messages that take a sequence id under stateful reconnect.
TRACKABLE = frozenset(range(1, 6))


class ProtocolError(Exception):
    """The peer sent something the protocol does not allow; the connection ends."""


class HandshakeIncomplete(Exception):
    """More bytes are needed before the handshake request ends."""


def parse_handshake(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The handshake request at the start of `data`, and the bytes after it."""
    end = data.find(RECORD_SEPARATOR)
    if end < 0:
        raise HandshakeIncomplete
    try:
        request = orjson.loads(data[:end])
    except orjson.JSONDecodeError as exc:
        raise ProtocolError("The handshake request is not valid JSON.") from exc
    if not isinstance(request, dict):
        raise ProtocolError("The handshake request must be a JSON object.")
    protocol, version = request.get("protocol"), request.get("version")
    if not isinstance(protocol, str) or not protocol:
        raise ProtocolError("Missing or invalid 'protocol' in the handshake request.")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProtocolError("Missing or invalid 'version' in the handshake request.")
    return request, data[end + 1 :]


def handshake_response(error: str | None = None) -> bytes:
    """The handshake response: `{}` on success, `{"error": ...}` otherwise."""
    return orjson.dumps({"error": error} if error else {}) + RECORD_SEPARATOR


class HubProtocol(ABC):
    """A hub protocol: its name, transfer format, and how messages are framed."""

    name: ClassVar[str]
    binary: ClassVar[bool]
    version: ClassVar[int] = 2  # as ASP.NET Core: any version up to this one is accepted

    @abstractmethod
    def write(self, message: Message) -> bytes:
        """One message in its framed wire form."""

    @abstractmethod
    def parse(self, data: bytes) -> tuple[list[Message], bytes]:
        """Every whole message in `data`, and the incomplete rest."""


def _require(message: Message, key: str, kind: type | tuple[type, ...]) -> Any:
    value = message.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProtocolError(f"Missing or invalid '{key}' in a message of type {message['type']}.")
    return value


def _check(message: Message) -> Message:
    """Validate the fields a message of its type must carry."""
    kind = message.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise ProtocolError("A message has no valid 'type'.")
    if kind in (MessageType.INVOCATION, MessageType.STREAM_INVOCATION):
        _require(message, "target", str)
        _require(message, "arguments", list)
        if kind == MessageType.STREAM_INVOCATION or message.get("invocationId") is not None:
            _require(message, "invocationId", str)
    elif kind in (MessageType.STREAM_ITEM, MessageType.COMPLETION, MessageType.CANCEL_INVOCATION):
        _require(message, "invocationId", str)
        if kind == MessageType.COMPLETION and "result" in message and "error" in message:
            raise ProtocolError("A completion cannot carry both a result and an error.")
    elif kind in (MessageType.ACK, MessageType.SEQUENCE):
        _require(message, "sequenceId", int)
    return message


class JsonProtocol(HubProtocol):
    """The JSON hub protocol: UTF-8 JSON objects, each ended by 0x1E."""

    name = "json"
    binary = False

    def write(self, message: Message) -> bytes:
        """The message as compact JSON plus the record separator."""
        return orjson.dumps(message, default=json_default) + RECORD_SEPARATOR

    def parse(self, data: bytes) -> tuple[list[Message], bytes]:
        """Split on the record separator; the tail after the last one is kept."""
        *records, rest = data.split(RECORD_SEPARATOR)
        messages: list[Message] = []
        for record in records:
            try:
                message = orjson.loads(record)
            except orjson.JSONDecodeError as exc:
                raise ProtocolError("A message is not valid JSON.") from exc
            if not isinstance(message, dict):
                raise ProtocolError("A message must be a JSON object.")
            messages.append(_check(message))
        return messages, rest


def write_varint(value: int) -> bytes:
    """A length prefix: 7 bits a byte, low bits first, high bit set while more follow."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_varint(data: bytes, at: int) -> tuple[int, int] | None:
    """The length prefix at `at` and where its body starts, or None if it is incomplete."""
    value = shift = 0
    for i in range(at, min(at + 5, len(data))):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    if len(data) - at >= 5:
        raise ProtocolError("A MessagePack length prefix is longer than 5 bytes.")
    return None


class MessagePackProtocol(HubProtocol):
    """The MessagePack hub protocol: arrays, each prefixed by its length as a VarInt."""

    name = "messagepack"
    binary = True

    def write(self, message: Message) -> bytes:
        """The message as a MessagePack array with its length prefix."""
        body: bytes = msgpack.packb(
            self._to_array(message), use_bin_type=True, default=msgpack_default
        )
        return write_varint(len(body)) + body

    def parse(self, data: bytes) -> tuple[list[Message], bytes]:
        """Every whole length-prefixed message, and the incomplete rest."""
        messages: list[Message] = []
        at = 0
        while at < len(data):
            prefix = read_varint(data, at)
            if prefix is None:
                break
            length, start = prefix
            if start + length > len(data):
                break
            try:
                array = msgpack.unpackb(
                    data[start : start + length], raw=False, strict_map_key=False
                )
            except (ValueError, msgpack.UnpackException) as exc:
                raise ProtocolError("A message is not valid MessagePack.") from exc
            messages.append(_check(self._from_array(array)))
            at = start + length
        return messages, data[at:]

    @staticmethod
    def _to_array(m: Message) -> list[Any]:
        kind = m["type"]
        headers = m.get("headers") or {}
        if kind == MessageType.INVOCATION or kind == MessageType.STREAM_INVOCATION:
            return [
                kind,
                headers,
                m.get("invocationId"),
                m["target"],
                m["arguments"],
                m.get("streamIds") or [],
            ]
        if kind == MessageType.STREAM_ITEM:
            return [kind, headers, m["invocationId"], m.get("item")]
        if kind == MessageType.COMPLETION:
            if "error" in m:
                return [kind, headers, m["invocationId"], 1, m["error"]]
            if "result" in m:
                return [kind, headers, m["invocationId"], 3, m["result"]]
            return [kind, headers, m["invocationId"], 2]
        if kind == MessageType.CANCEL_INVOCATION:
            return [kind, headers, m["invocationId"]]
        if kind == MessageType.PING:
            return [kind]
        if kind == MessageType.CLOSE:
            return [kind, m.get("error"), bool(m.get("allowReconnect", False))]
        if kind in (MessageType.ACK, MessageType.SEQUENCE):
            return [kind, m["sequenceId"]]
        raise ValueError(f"cannot write message type {kind}")

    @staticmethod
    def _from_array(a: Any) -> Message:
        if not isinstance(a, list) or not a or not isinstance(a[0], int):
            raise ProtocolError("A MessagePack message must be an array starting with its type.")
        kind = a[0]
        try:
            if kind == MessageType.INVOCATION or kind == MessageType.STREAM_INVOCATION:
                m: Message = {"type": kind, "target": a[3], "arguments": a[4]}
                if a[2] is not None:
                    m["invocationId"] = a[2]
                if len(a) > 5 and a[5]:
                    m["streamIds"] = a[5]
                return m
            if kind == MessageType.STREAM_ITEM:
                return {"type": kind, "invocationId": a[2], "item": a[3]}
            if kind == MessageType.COMPLETION:
                m = {"type": kind, "invocationId": a[2]}
                if a[3] == 1:
                    m["error"] = a[4]
                elif a[3] == 3:
                    m["result"] = a[4]
                elif a[3] != 2:
                    raise ProtocolError(f"Unknown completion result kind {a[3]}.")
                return m
            if kind == MessageType.CANCEL_INVOCATION:
                return {"type": kind, "invocationId": a[2]}
            if kind == MessageType.PING:
                return {"type": kind}
            if kind == MessageType.CLOSE:
                m = {"type": kind}
                if len(a) > 1 and a[1] is not None:
                    m["error"] = a[1]
                if len(a) > 2:
                    m["allowReconnect"] = bool(a[2])
                return m
            if kind in (MessageType.ACK, MessageType.SEQUENCE):
                return {"type": kind, "sequenceId": a[1]}
        except IndexError as exc:
            raise ProtocolError(f"A message of type {kind} is missing fields.") from exc
        return {"type": kind}


PROTOCOLS: dict[str, HubProtocol] = {p.name: p for p in (JsonProtocol(), MessagePackProtocol())}
