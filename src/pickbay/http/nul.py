"""The NUL character (U+0000), which PostgreSQL cannot store in text: refused everywhere, on
both databases alike, with the field that carried it named."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from pickbay.core.errors import InvalidInput
from pickbay.http.common import ErrorRenderer

MESSAGE = "The value must not contain the NUL character (\\u0000)."


def body_nul(raw: bytes) -> tuple[int | str, ...] | None:
    """Where a JSON body holds a NUL (in a key or a string), if it does; () for the top level.

    The scan of the raw bytes costs next to nothing; only a body that may hold one is parsed.
    """
    if b"\\u0000" not in raw and b"\x00" not in raw:
        return None
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return () if b"\x00" in raw else None  # the reader reports the broken JSON itself
    return _find(parsed, ())


def _find(value: Any, at: tuple[int | str, ...]) -> tuple[int | str, ...] | None:
    if isinstance(value, str):
        return at if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return (*at, key)
            found = _find(item, (*at, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = _find(item, (*at, n))
            if found is not None:
                return found
    return None


def json_body(raw: bytes) -> Any:
    """A JSON body, parsed; InvalidInput naming a field that holds a NUL, or saying the body
    is not JSON."""
    nul = body_nul(raw)
    if nul is not None:
        raise InvalidInput({dotted(nul): [MESSAGE]})
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput({"body": ["The body is not valid JSON."]}) from None


def dotted(at: tuple[int | str, ...]) -> str:
    """`order_lines[0].materialName`, or `body` for the top level."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def query_nul(query_string: bytes) -> str | None:
    """The first query argument whose name or value holds a NUL, if any."""
    if b"%00" not in query_string and b"\x00" not in query_string:
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return "query"


class NulGuard:
    """ASGI middleware: a NUL in the path or the query is a 400 in the called API's format,
    naming the path parameter (as `patterns`, the routes' path patterns, name it) or the query
    argument that carried it."""

    def __init__(
        self, app: ASGIApp, render: ErrorRenderer, patterns: Sequence[re.Pattern[str]]
    ) -> None:
        self.app = app
        self.render = render
        self.patterns = patterns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse it."""
        if scope["type"] == "http":
            name = self._path_nul(scope["path"]) if "\x00" in scope["path"] else None
            name = name or query_nul(scope.get("query_string", b""))
            if name is not None:
                response = self.render(Request(scope, receive), InvalidInput({name: [MESSAGE]}))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _path_nul(self, path: str) -> str:
        for pattern in self.patterns:
            found = pattern.match(path)
            if found is not None:
                for name, value in found.groupdict().items():
                    if "\x00" in value:
                        return name
        return "path"
