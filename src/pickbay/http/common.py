"""Helpers every dialect's routes use: fast JSON responses, body reading, OpenAPI body schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request, Response
from pydantic import BaseModel
from starlette.responses import Response as StarletteResponse
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from pickbay.core.errors import PickbayError
from pickbay.runtime import Runtime
from pickbay.signalr.server import SignalRServer

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


def body_schema(model: type[BaseModel], content_types: tuple[str, ...]) -> dict[str, Any]:
    """`openapi_extra` documenting a body that the route validates itself."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    COMPONENTS.update(schema.pop("$defs", {}))
    COMPONENTS[model.__name__] = schema
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": True,
            "content": {ct: {"schema": ref} for ct in content_types},
        }
    }


class HubRoute(BaseRoute):
    """Routes `{path}` and `{path}/negotiate` (HTTP and WebSocket) to a SignalR server."""

    def __init__(self, server: SignalRServer) -> None:
        self.server = server
        self.paths = {server.path, server.path + "/", server.path + "/negotiate"}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """A full match on the hub's own paths, for HTTP and WebSocket requests."""
        if scope["type"] in ("http", "websocket") and scope["path"] in self.paths:
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        """Hubs have no named routes."""
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the hub's server."""
        await self.server(scope, receive, send)  # type: ignore[arg-type]
