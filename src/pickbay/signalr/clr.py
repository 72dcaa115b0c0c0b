""".NET values in hub messages, written as each of ASP.NET Core's hub protocols writes them.

The JSON protocol (System.Text.Json with the web defaults) camel-cases member names. The
MessagePack protocol (MessagePack-CSharp with `DynamicEnumAsStringResolver` before
`ContractlessStandardResolver`, ASP.NET Core's default) keeps the C# names, and writes a
`DateTimeOffset` as MessagePack-CSharp's `DateTimeOffsetFormatter` does: an array of its clock
time (as a MessagePack timestamp) and its offset in minutes. Enums travel as their names in
both, so they are plain strings here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgpack


# Plain classes, not dataclasses: orjson writes a dataclass itself, without asking `default`.
class ClrObject:
    """A .NET object: its members by their C# names, in declaration order."""

    __slots__ = ("members",)

    def __init__(self, members: dict[str, Any]) -> None:
        self.members = members

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClrObject) and other.members == self.members

    def __repr__(self) -> str:
        return f"ClrObject({self.members!r})"


class ClrDateTimeOffset:
    """A .NET `DateTimeOffset`: `text` is how the JSON protocol writes it."""

    __slots__ = ("at", "text")

    def __init__(self, at: datetime, text: str) -> None:
        if at.tzinfo is None:
            raise ValueError("a DateTimeOffset needs an offset")
        self.at, self.text = at, text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClrDateTimeOffset) and (other.at, other.text) == (
            self.at,
            self.text,
        )

    def __repr__(self) -> str:
        return f"ClrDateTimeOffset({self.text!r})"


def camel_case(name: str) -> str:
    """`name` as System.Text.Json's `JsonNamingPolicy.CamelCase` writes it."""
    chars = list(name)
    for i, char in enumerate(chars):
        if i == 1 and not char.isupper():
            break
        following = i + 1 < len(chars)
        if i > 0 and following and not chars[i + 1].isupper():
            if chars[i + 1] == " ":
                chars[i] = char.lower()
            break
        chars[i] = char.lower()
    return "".join(chars)


def json_default(value: Any) -> Any:
    """What the JSON protocol writes for a .NET value (orjson's `default`)."""
    if isinstance(value, ClrObject):
        return {camel_case(name): member for name, member in value.members.items()}
    if isinstance(value, ClrDateTimeOffset):
        return value.text
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def msgpack_default(value: Any) -> Any:
    """What the MessagePack protocol writes for a .NET value (msgpack's `default`)."""
    if isinstance(value, ClrObject):
        return value.members
    if isinstance(value, ClrDateTimeOffset):
        offset = value.at.utcoffset()
        assert offset is not None
        # `new DateTime(value.Ticks, DateTimeKind.Utc)`: the clock time, read as if in UTC.
        clock = value.at.replace(tzinfo=None).replace(tzinfo=UTC)
        return [msgpack.Timestamp.from_datetime(clock), int(offset.total_seconds()) // 60]
    raise TypeError(f"{type(value).__name__} is not MessagePack serializable")
