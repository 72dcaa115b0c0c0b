"""Hub values written as ASP.NET Core's JSON and MessagePack protocols write .NET objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgpack
import orjson
import pytest

from pickbay.signalr.clr import (
    ClrDateTimeOffset,
    ClrObject,
    camel_case,
    json_default,
    msgpack_default,
)
from pickbay.signalr.protocol import JsonProtocol, MessagePackProtocol, read_varint

AT = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "camel"),
    [
        ("ArticleId", "articleId"),
        ("IsInFridge", "isInFridge"),
        ("ID", "id"),
        ("URLValue", "urlValue"),
        ("A", "a"),
        ("already", "already"),
        ("", ""),
    ],
)
def test_member_names_camel_case_as_system_text_json_does(name: str, camel: str) -> None:
    assert camel_case(name) == camel


def test_json_camel_cases_members_and_writes_dates_as_their_text() -> None:
    dto = ClrObject(
        {"ArticleId": "1", "DueDate": ClrDateTimeOffset(AT, "T"), "Pack": ClrObject({"Depth": 2})}
    )
    written = orjson.loads(orjson.dumps([dto], default=json_default))
    assert written == [{"articleId": "1", "dueDate": "T", "pack": {"depth": 2}}]


def test_messagepack_keeps_names_and_writes_date_time_offset_as_messagepack_csharp() -> None:
    dto = ClrObject({"DueDate": ClrDateTimeOffset(AT, "T"), "Pack": ClrObject({"Depth": 2})})
    packed = msgpack.packb(dto, default=msgpack_default)
    seconds = int(AT.timestamp()).to_bytes(4, "big")
    # {"DueDate": [timestamp 32, 0], "Pack": {"Depth": 2}}: fixmap, fixarray, ext -1, fixints
    assert packed == (b"\x82\xa7DueDate\x92\xd6\xff" + seconds + b"\x00\xa4Pack\x81\xa5Depth\x02")
    local = AT.astimezone(timezone(timedelta(hours=2)))
    clock, minutes = msgpack.unpackb(
        msgpack.packb(ClrDateTimeOffset(local, "T"), default=msgpack_default), timestamp=3
    )
    assert (clock, minutes) == (datetime(2030, 1, 15, 11, 0, tzinfo=UTC), 120)


def test_a_date_time_offset_needs_an_offset() -> None:
    with pytest.raises(ValueError, match="offset"):
        ClrDateTimeOffset(datetime(2030, 1, 15), "T")


def test_both_hub_protocols_write_them() -> None:
    message = {"type": 1, "target": "T", "arguments": [ClrObject({"OrderState": "X"})]}
    assert b'"arguments":[{"orderState":"X"}]' in JsonProtocol().write(message)
    data = MessagePackProtocol().write(message)
    prefix = read_varint(data, 0)
    assert prefix is not None
    assert msgpack.unpackb(data[prefix[1] :])[4] == [{"OrderState": "X"}]


def test_other_values_are_refused() -> None:
    for default in (json_default, msgpack_default):
        with pytest.raises(TypeError):
            default(object())
