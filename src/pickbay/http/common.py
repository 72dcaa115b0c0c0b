"""Helpers every dialect's routes use: fast JSON responses, bearer tokens, OpenAPI body
schemas."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from pickbay.core.errors import PickbayError
from pickbay.signalr.server import SignalRServer

if TYPE_CHECKING:
    from pickbay.runtime import Runtime

ErrorRenderer = Callable[[Request, PickbayError], StarletteResponse]

# OpenAPI component schemas of request bodies read by hand (see body_schema).
COMPONENTS: dict[str, Any] = {}


class JsonResponse(Response):
    """A JSON response encoded with orjson."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def runtime(request: Request) -> Runtime:
    """The engine behind this app."""
    rt: Runtime = request.app.state.runtime
    return rt


def bearer(request: HTTPConnection) -> str:
    """The token of `Authorization: Bearer <token>`, or "" (no header, or another scheme)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON: application/json or application/*+json."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    kind, _, sub = mime.partition("/")
    return mime == "application/json" or (kind == "application" and sub.endswith("+json"))


def same_secret(given: str, expected: str) -> bool:
    """Whether `given` is the configured secret `expected` (never when none is configured),
    compared in constant time."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def body_schema(
    model: type[BaseModel] | tuple[str, dict[str, Any]],
    content_types: tuple[str, ...],
    *,
    example: tuple[str, Any] | None = None,
) -> dict[str, Any]:
    """`openapi_extra` documenting a body that the route validates itself: a model, or a
    JSON schema by name for a body read by hand; `example` is (what it is, the body)."""
    if isinstance(model, tuple):
        title, schema = model
        parts = {title: schema}
    else:
        title = model.__name__
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        parts = {**schema.pop("$defs", {}), title: schema}
    for name, part in parts.items():
        # One name, one schema: documents name their components without a module.
        if COMPONENTS.setdefault(name, part) != part:
            raise ValueError(f"two body schemas are both called {name}")
    media: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{title}"}}
    if example is not None:
        media["examples"] = {"vendor": {"summary": example[0], "value": example[1]}}
    return {"requestBody": {"required": True, "content": {ct: media for ct in content_types}}}


class HubDispatch:
    """ASGI middleware that hands `{path}` and `{path}/negotiate` to a SignalR server.

    Hub traffic skips the framework's routing and exception wrappers, which would otherwise
    run for every frame a hub writes.
    """

    def __init__(self, app: ASGIApp, server: SignalRServer) -> None:
        self.app = app
        self.server = server
        self.paths = {server.path, server.path + "/", server.path + "/negotiate"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route hub paths to the hub, everything else on."""
        if scope["type"] in ("http", "websocket") and scope["path"] in self.paths:
            await self.server(scope, receive, send)  # type: ignore[arg-type]
        else:
            await self.app(scope, receive, send)
