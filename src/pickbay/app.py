"""The ASGI app: every dialect's routes on one engine, errors in each vendor's format."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pickbay import __version__
from pickbay.api import clock as clock_api
from pickbay.api import common as own_api
from pickbay.api import events as events_api
from pickbay.api import keys as keys_api
from pickbay.api import labels as labels_api
from pickbay.api import orders as orders_api
from pickbay.api import webhooks as webhooks_api
from pickbay.config import Settings
from pickbay.console import router as console_router
from pickbay.core.errors import (
    NotFound,
    PickbayError,
    Unauthorized,
    UnsupportedMediaType,
)
from pickbay.http.common import COMPONENTS, ErrorRenderer, HubDispatch, JsonResponse
from pickbay.runtime import Runtime
from pickbay.vendors.greymatter.http import operator as greymatter_api
from pickbay.vendors.greymatter.http import routes as greymatter_routes
from pickbay.vendors.itempath.http import operator as itempath_api
from pickbay.vendors.itempath.http import routes as itempath_routes
from pickbay.vendors.pickup_cloud.http import operator as pickup_robot_api
from pickbay.vendors.pickup_cloud.http import problems as pickup_problems
from pickbay.vendors.pickup_cloud.http import routes as pickup_routes
from pickbay.vendors.pickup_cloud.http.hub import PickupCloudHub

log = logging.getLogger(__name__)

# Which error format answers which path; the first matching prefix wins.
RENDERERS: list[tuple[str, ErrorRenderer]] = [
    (pickup_routes.PREFIX, pickup_problems.render),
    (own_api.PREFIX, own_api.render),
    (itempath_routes.PREFIX, itempath_routes.render),
    (itempath_routes.LEGACY_PREFIX, itempath_routes.render),
    (greymatter_routes.PREFIX, greymatter_routes.render),
]


def _renderer(request: Request) -> ErrorRenderer:
    path = request.url.path
    for prefix, render in RENDERERS:
        if path == prefix or path.startswith(prefix + "/"):
            return render
    return own_api.render


def _query_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p not in ("query", "path", "header", "body")]
        name = ".".join(loc) or "request"
        given = err.get("input")
        if err["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            msg = err["msg"]
            if name in pickup_problems.RANGES:
                lo, hi = pickup_problems.RANGES[name]
                msg = f"The field {name} must be between {lo} and {hi}."
        else:
            msg = f"The value '{given}' is not valid for {name}."
        out.setdefault(name, []).append(msg)
    return out


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The app; it starts (migrates, schedules) and stops its runtime with the server."""
    rt = runtime or Runtime(settings or Settings())

    pickup_hub = PickupCloudHub(rt.db, rt.tenancy, lambda: rt.relay.cursor)
    rt.relay.subscribe(pickup_hub.on_events)
    hub = pickup_hub.server

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await rt.start()
        hub.start()
        try:
            yield
        finally:
            await hub.stop()
            await rt.stop()

    app = FastAPI(
        title="pickbay",
        version=__version__,
        description=(
            "A self-hosted order hub and sandbox that speaks the BD Rowa Pickup Cloud API "
            "(/api/v2), the ItemPath API of Kardex Power Pick (/api) and the GreyMatter API of "
            "GreyOrange Butler (/api-gateway/sr-service/platform-srms). pickbay's own API "
            "(clock, operator actions, webhooks, labels) lives under /pickbay/v1."
        ),
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.state.pickup_hub = pickup_hub
    app.add_middleware(HubDispatch, server=hub)

    @app.exception_handler(PickbayError)
    async def pickbay_error(request: Request, exc: PickbayError) -> Response:
        if exc.status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.detail)
        return _renderer(request)(request, exc)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        return _renderer(request)(request, pickup_problems.BindingErrors(_query_errors(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        mapped: PickbayError
        if exc.status_code == 404:
            mapped = NotFound(str(exc.detail))
        elif exc.status_code == 401:
            mapped = Unauthorized(str(exc.detail))
        elif exc.status_code == 415:
            mapped = UnsupportedMediaType(str(exc.detail))
        else:
            mapped = PickbayError(str(exc.detail))
            mapped.status = exc.status_code
            mapped.title = str(exc.detail)
        response = _renderer(request)(request, mapped)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.get("/healthz", tags=["Health"], summary="Liveness")
    async def healthz() -> JsonResponse:
        """200 while the process serves requests."""
        return JsonResponse({"status": "ok", "version": __version__})

    for router in (
        pickup_routes.router,
        clock_api.router,
        pickup_robot_api.router,
        itempath_routes.router,
        itempath_api.router,
        labels_api.router,
        greymatter_routes.router,
        greymatter_api.router,
        webhooks_api.router,
        keys_api.router,
        orders_api.router,
        events_api.router,
        console_router,
    ):
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {}).update(COMPONENTS)
            components.setdefault("securitySchemes", {})["PickupCloudKey"] = (
                pickup_routes.SECURITY_SCHEME
            )
            components["securitySchemes"]["ItemPathToken"] = itempath_routes.SECURITY_SCHEME
            components["securitySchemes"]["GreyMatterToken"] = greymatter_routes.SECURITY_SCHEME
            for path, operations in schema["paths"].items():
                if path.startswith(pickup_routes.PREFIX + "/"):
                    scheme = "PickupCloudKey"
                elif path.startswith(itempath_routes.PREFIX + "/") and "/users/" not in path:
                    scheme = "ItemPathToken"
                elif path.startswith(greymatter_routes.PREFIX + "/"):
                    scheme = "GreyMatterToken"
                else:
                    continue
                for operation in operations.values():
                    operation["security"] = [{scheme: []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
