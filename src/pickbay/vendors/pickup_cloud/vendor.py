"""Pickup Cloud as pickbay's registry sees it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from pickbay.core.errors import PickbayError, Unauthorized
from pickbay.http.errors import query_errors
from pickbay.signalr.server import SignalRServer
from pickbay.store import tenants as tenant_store
from pickbay.vendors.contract import Vendor
from pickbay.vendors.pickup_cloud import repository as repo
from pickbay.vendors.pickup_cloud.http import operator, problems, routes
from pickbay.vendors.pickup_cloud.http.hub import PATH, PickupCloudHub
from pickbay.vendors.pickup_cloud.http.views import board_view
from pickbay.vendors.pickup_cloud.model import (
    NAME,
    SCRIPT_STEP,
    PickupOrder,
    PickupState,
    Policy,
)
from pickbay.vendors.pickup_cloud.service import PickupCloudService

if TYPE_CHECKING:
    from pickbay.client import Client
    from pickbay.config import Settings
    from pickbay.runtime import Runtime


class PickupCloud(Vendor):
    """BD Rowa Pickup Cloud: REST API v2, its SignalR hub, and the simulated pickup robot."""

    name = NAME
    title = "Pickup Cloud"
    description = (
        "The BD Rowa Pickup Cloud REST API v2 (orders a pharmacy's pickup robot hands out), "
        "served by pickbay's sandbox. Bodies are JSON sent as application/json, text/json or "
        "application/*+json, as ASP.NET Core reads them. The realtime hub is SignalR at "
        "/hubs/pickup-cloud. Where "
        "pickbay infers what the vendor does not document, the operation says so."
    )
    prefixes = (routes.PREFIX, *routes.READ_VERSIONS, PATH)  # the hub: faults can reach it
    security_schemes = {"PickupCloudKey": routes.SECURITY_SCHEME}
    api_keys = True
    has_hubs = True
    machine_steps = (SCRIPT_STEP,)  # the robot's input, pickup and cancel; not the calendar
    pick_faults = ("wrong_output",)  # packs handed out at another output point

    def build(self, rt: Runtime) -> None:
        """The order service (on the engine's clock and scheduler) and the realtime hub."""
        settings = rt.settings
        rt.provide(
            PickupCloudService(
                rt.db,
                rt.clock,
                rt.scheduler,
                Policy(
                    preparation_days=settings.preparation_days,
                    pickup_expiry_days=settings.pickup_expiry_days,
                ),
                demo_scripts=settings.demo_scripts,
                faults=rt.faults,
            )
        )
        hub = PickupCloudHub(rt.db, rt.tenancy, lambda: rt.relay.cursor, faults=rt.faults)
        rt.relay.subscribe(hub.on_events)
        rt.provide(hub)

    async def start(self, rt: Runtime) -> None:
        """The sandbox tenant `dev` and its key, if one is configured."""
        if rt.settings.dev_api_key:
            await rt.tenancy.add_key("dev", rt.settings.dev_api_key)

    def routers(self) -> Sequence[APIRouter]:
        """REST API v2 (its reads under v1.1 too) and the robot's operator routes."""
        return (routes.router, routes.versioned, operator.router)

    def hubs(self, rt: Runtime) -> Sequence[SignalRServer]:
        """The realtime hub at /hubs/pickup-cloud."""
        return (rt.service(PickupCloudHub).server,)

    def endpoints(self, settings: Settings) -> Sequence[tuple[str, str, str]]:
        """The REST API and the realtime hub, with the sandbox key."""
        key = settings.dev_api_key or "<pickbay keys create NAME>"
        return (
            ("Pickup Cloud", routes.PREFIX, f"header x-api-key: {key}"),
            ("realtime hub", PATH, "SignalR; the same key"),
        )

    def render_error(self, request: Request, exc: PickbayError) -> Response:
        """ASP.NET Core's ProblemDetails."""
        return problems.render(request, exc)

    def error_body(self, path: str, status: int) -> tuple[str, Any]:
        """ProblemDetails; with the errors of each field on a 400."""
        model = problems.ValidationProblemDetails if status == 400 else problems.ProblemDetails
        return problems.MEDIA_TYPE, model

    def validation_error(self, exc: RequestValidationError) -> PickbayError:
        """Model-binding errors, with ASP.NET's range messages."""
        return problems.BindingErrors(query_errors(exc, problems.RANGES))

    def security_scheme(self, path: str) -> str | None:
        """The API key, on every route of the REST API."""
        owned = any(path.startswith(p + "/") for p in self.prefixes)
        return "PickupCloudKey" if owned else None

    def states(self) -> Sequence[str]:
        """Order states as the vendor spells them."""
        return [s.value for s in PickupState]

    async def tenants(self, conn: AsyncConnection) -> list[str]:
        """Every tenant that has a key."""
        return await tenant_store.names(conn)

    async def load(self, conn: AsyncConnection, row_id: int) -> PickupOrder | None:
        """The order with its articles."""
        return await repo.load(conn, row_id)

    def detail(self, order: Any) -> dict[str, Any]:
        """Articles as lines, the pickup and storage codes, the REST API's view."""
        return board_view(order)

    async def feed_tenant(self, rt: Runtime, token: str) -> str | None:
        """A tenant's API key sent as the bearer token."""
        try:
            return await rt.tenancy.authenticate(token)
        except Unauthorized:
            return None

    def sign_in(self, client: Client, who: str) -> dict[str, str]:
        """A new API key of tenant `who`, sent as `x-api-key`."""
        return {"x-api-key": str(client.own("POST", "/keys", {"tenant": who})["key"])}
