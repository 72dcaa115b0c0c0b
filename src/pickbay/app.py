"""The ASGI app: every vendor's routes on one engine, errors in each vendor's format."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from pickbay import __version__
from pickbay.api import answers
from pickbay.api import clock as clock_api
from pickbay.api import cluster as cluster_api
from pickbay.api import common as own_api
from pickbay.api import docs as docs_api
from pickbay.api import events as events_api
from pickbay.api import faults as faults_api
from pickbay.api import keys as keys_api
from pickbay.api import labels as labels_api
from pickbay.api import orders as orders_api
from pickbay.api import webhooks as webhooks_api
from pickbay.config import Settings
from pickbay.console import router as console_router
from pickbay.core.clock import system_wall
from pickbay.core.errors import (
    InternalError,
    InvalidInput,
    NotFound,
    PickbayError,
    Unauthorized,
    UnsupportedMediaType,
)
from pickbay.engine.accounts import shared_key
from pickbay.http import openapi
from pickbay.http.common import HubDispatch, JsonResponse
from pickbay.http.errors import query_errors
from pickbay.http.faults import FaultInjection
from pickbay.http.limits import BodyLimit
from pickbay.http.nul import NulGuard
from pickbay.http.writes import WriteGate
from pickbay.runtime import Runtime
from pickbay.vendors.contract import Vendor

log = logging.getLogger(__name__)

HUB_KEY = "signalr"  # the key every process seals SignalR connection tokens with

OWN_ROUTERS = (
    clock_api.router,
    cluster_api.router,
    labels_api.router,
    webhooks_api.router,
    faults_api.router,
    keys_api.router,
    orders_api.router,
    events_api.router,
    console_router,
    docs_api.router,
)


def _owner(vendors: tuple[Vendor, ...], path: str) -> Vendor | None:
    """The vendor whose API serves `path` (the longest matching prefix), if any."""
    best: tuple[int, Vendor | None] = (0, None)
    for vendor in vendors:
        for prefix in vendor.prefixes:
            if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > best[0]:
                best = (len(prefix), vendor)
    return best[1]


def _apis(vendors: tuple[Vendor, ...]) -> list[openapi.Api]:
    """Each vendor's API, then pickbay's own (every path no vendor owns)."""

    def owner_is(vendor: Vendor | None) -> Callable[[str], bool]:
        return lambda path: _owner(vendors, path) is vendor

    apis = [
        openapi.Api(
            slug=vendor.name.replace("_", "-"),
            title=vendor.title,
            description=vendor.description,
            owns=owner_is(vendor),
            errors=vendor.error_body,
            security=vendor.security_scheme,
            schemes=vendor.security_schemes,
        )
        for vendor in vendors
    ]
    apis.append(
        openapi.Api(
            slug="pickbay",
            title="pickbay",
            description=(
                "pickbay's own API: the sandbox clock, operator actions on each vendor's "
                "simulated machine, webhooks, the event feed, API keys, labels and health."
            ),
            owns=owner_is(None),
            errors=lambda path, status: ("application/json", own_api.Error),
        )
    )
    return apis


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The app; it starts (migrates, schedules) and stops its runtime with the server."""
    rt = runtime or Runtime(settings or Settings())
    hubs = [hub for vendor in rt.vendors for hub in vendor.hubs(rt)]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await rt.start()
        key = await shared_key(rt.db, HUB_KEY)
        for hub in hubs:
            hub.share(key.encode(), lambda: system_wall().timestamp(), rt.backplane)
            hub.start()
        try:
            yield
        finally:
            for hub in hubs:
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
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.runtime = rt
    app.state.hubs = hubs
    rt.cluster.connections = lambda: sum(hub.connected() for hub in hubs)

    def render(request: Request, exc: PickbayError) -> Response:
        vendor = _owner(rt.vendors, request.url.path)
        if vendor is None:
            return own_api.render(request, exc)
        return vendor.render_error(request, exc)

    # Added first, so they run inside the hubs' dispatch: hubs bound their own messages.
    app.add_middleware(BodyLimit, limit=rt.settings.max_body_bytes, render=render)
    routers = [router for vendor in rt.vendors for router in vendor.routers()]
    routers += OWN_ROUTERS
    patterns = [
        r.path_regex for router in routers for r in router.routes if isinstance(r, APIRoute)
    ]
    app.add_middleware(NulGuard, render=render, patterns=patterns)
    for hub in hubs:
        app.add_middleware(HubDispatch, server=hub)

    def dropper(vendor: Vendor) -> Callable[[str, str | None], int]:
        servers = vendor.hubs(rt)

        def drop(name: str, tenant: str | None) -> int:
            return sum(s.drop_all(tenant) for s in servers) if name == vendor.name else 0

        return drop

    rt.faults.droppers.extend(dropper(vendor) for vendor in rt.vendors if vendor.hubs(rt))
    exempt = [own_api.PREFIX + "/clock", *(hub.path for hub in hubs)]
    app.add_middleware(WriteGate, clock=rt.clock, exempt=exempt)
    # Outermost: a faulted request is held or answered before anything reads it.
    app.add_middleware(
        FaultInjection,
        faults=rt.faults,
        tenancy=rt.tenancy,
        owner=lambda path: _owner(rt.vendors, path),
        render=render,
    )

    @app.exception_handler(PickbayError)
    async def pickbay_error(request: Request, exc: PickbayError) -> Response:
        if exc.status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status, exc.detail)
        return render(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Any other failure still answers in the format of the API that was called, with an
        # id that finds its traceback in the log.
        request_id = secrets.token_hex(8)
        log.error(
            "request %s: %s %s failed",
            request_id,
            request.method,
            request.url.path,
            exc_info=exc,
        )
        response = render(request, InternalError(request_id))
        response.headers["x-request-id"] = request_id
        return response

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        vendor = _owner(rt.vendors, request.url.path)
        error = vendor.validation_error(exc) if vendor else InvalidInput(query_errors(exc))
        return render(request, error)

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
        response = render(request, mapped)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.get("/healthz", tags=["Health"], summary="Liveness", response_model=answers.Health)
    async def healthz() -> JsonResponse:
        """200 while the process serves requests."""
        return JsonResponse({"status": "ok", "version": __version__})

    @app.get(
        "/readyz",
        tags=["Health"],
        summary="Readiness",
        response_model=answers.Readiness,
        responses={503: {"model": answers.Readiness, "description": "Something is unreachable."}},
    )
    async def readyz() -> JsonResponse:
        """200 when this process reaches its database and backplane, else 503 saying which
        it cannot reach (a process without its backplane still serves, on the database poll;
        a balancer may prefer the others meanwhile)."""
        found = await rt.readiness()
        ready = all(v == "ok" for v in found.values())
        return JsonResponse(
            {"status": "ready" if ready else "unready", **found}, 200 if ready else 503
        )

    for router in routers:
        app.include_router(router)

    apis = _apis(rt.vendors)
    built: dict[str, dict[str, Any]] = {}

    def documents() -> dict[str, dict[str, Any]]:
        if not built:
            full = openapi.generated(app.routes, version=__version__)
            for api in apis:
                built[api.slug] = openapi.document(api, full, version=__version__)
        return built

    def combined() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.combined(
                list(documents().values()),
                title=app.title,
                version=__version__,
                description=app.description or "",
            )
        return app.openapi_schema

    app.state.documents = documents
    app.openapi = combined  # type: ignore[method-assign]
    return app
