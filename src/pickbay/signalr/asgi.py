"""The ASGI plumbing of the SignalR server: parsed query and headers, CORS, whole responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

ALLOWED_HEADERS = "X-SignalR-User-Agent, X-Requested-With, Authorization, Content-Type"


def query(scope: Scope) -> dict[str, str]:
    """The query parameters, parsed once per request."""
    parsed: dict[str, str] | None = scope.get("pickbay.query")
    if parsed is None:
        parsed = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        scope["pickbay.query"] = parsed
    return parsed


def headers(scope: Scope) -> dict[str, str]:
    """The headers with lower-case names, parsed once per request."""
    parsed: dict[str, str] | None = scope.get("pickbay.headers")
    if parsed is None:
        parsed = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        scope["pickbay.headers"] = parsed
    return parsed


def cors(scope: Scope) -> list[tuple[bytes, bytes]]:
    """CORS headers for a request from a browser origin (none without one)."""
    origin = headers(scope).get("origin")
    if not origin:
        return []
    # Credentials mode: the origin is echoed, never "*".
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]


def preflight(scope: Scope) -> list[tuple[bytes, bytes]]:
    """What a CORS preflight is allowed."""
    asked = headers(scope).get("access-control-request-headers")
    allowed = ALLOWED_HEADERS + (", " + asked if asked else "")
    return [
        (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
        (b"access-control-allow-headers", allowed.encode("latin-1")),
        (b"access-control-max-age", b"600"),
    ]


async def until_disconnect(receive: Receive) -> None:
    """Return when the client disconnects."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def read_body(receive: Receive) -> bytes:
    """The whole request body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    *,
    json: bool = False,
) -> None:
    """A whole response with a content length."""
    head = list(headers)
    if json:
        head.append((b"content-type", b"application/json"))
    head.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def deny(scope: Scope, send: Send, status: int, body: bytes) -> None:
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
