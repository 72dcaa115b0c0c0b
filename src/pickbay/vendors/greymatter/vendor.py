"""GreyMatter (GreyOrange Butler) as pickbay's registry sees it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from pickbay.core.errors import PickbayError
from pickbay.vendors.contract import Vendor
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.auth import GreyMatterAuth
from pickbay.vendors.greymatter.http import auth as auth_routes
from pickbay.vendors.greymatter.http import operator, routes
from pickbay.vendors.greymatter.http.views import board_view
from pickbay.vendors.greymatter.machine import Layout
from pickbay.vendors.greymatter.model import (
    DISPATCH_STEP,
    EXCEPTIONS,
    NAME,
    PICK_STEP,
    REACH_STEP,
    ServiceRequest,
    State,
)
from pickbay.vendors.greymatter.notifications import webhook_body
from pickbay.vendors.greymatter.service import GreyMatterService
from pickbay.webhooks.dispatcher import Format

if TYPE_CHECKING:
    from pickbay.client import Client
    from pickbay.config import Settings
    from pickbay.runtime import Runtime


class GreyMatter(Vendor):
    """GreyMatter service requests on a simulated goods-to-person floor, with webhooks."""

    name = NAME
    title = "GreyMatter"
    description = (
        "The GreyMatter service-request API of GreyOrange Butler (pick and put service "
        "requests of a goods-to-person floor) and its OAuth token endpoint, served by "
        "pickbay's sandbox. Notifications go out as webhooks (see pickbay's API, "
        "/pickbay/v1/webhooks). Where pickbay infers what the vendor does not document, the "
        "operation says so."
    )
    prefixes = (routes.PREFIX, auth_routes.AUTH_PREFIX)
    machine_steps = (DISPATCH_STEP, REACH_STEP, PICK_STEP)  # racks move, operators pick
    pick_faults = EXCEPTIONS  # the operator reports eaches of the pick as one of these
    security_schemes = {
        "GreyMatterToken": routes.SECURITY_SCHEME,
        "GreyMatterClient": routes.CLIENT_SCHEME,
    }

    def build(self, rt: Runtime) -> None:
        """The floor service, on the engine's clock and scheduler; the platform's users."""
        settings = rt.settings
        rt.provide(
            GreyMatterAuth(
                rt.db,
                rt.clock,
                static_token=settings.greymatter_token,
                lifetime=settings.greymatter_token_seconds,
            )
        )
        rt.provide(
            GreyMatterService(
                rt.db,
                rt.clock,
                rt.scheduler,
                Layout(
                    stations=settings.greymatter_stations,
                    bins=settings.greymatter_bins,
                    check_seconds=settings.greymatter_check_seconds,
                    rack_seconds=settings.greymatter_rack_seconds,
                    pick_seconds=settings.greymatter_pick_seconds,
                    auto=settings.greymatter_auto,
                ),
                rt.faults,
            )
        )

    async def start(self, rt: Runtime) -> None:
        """The token signing key and user `admin`; the sandbox stock, on an empty floor."""
        await rt.service(GreyMatterAuth).start(rt.settings.greymatter_admin_password)
        if rt.settings.greymatter_sandbox_stock:
            await rt.service(GreyMatterService).seed_stock()

    def webhook_format(self) -> Format:
        """`order_information`, `order_modification` and `bin_complete` notifications."""
        return webhook_body

    def routers(self) -> Sequence[APIRouter]:
        """The service-request API and the floor's operator routes."""
        return (routes.router, auth_routes.router, operator.router)

    def endpoints(self, settings: Settings) -> Sequence[tuple[str, str, str]]:
        """The service-request API, with the bearer token; the token endpoint."""
        how = f"Authorization: Bearer {settings.greymatter_token}"
        found = [("GreyMatter", routes.PREFIX + "/service-request", how)]
        if settings.greymatter_admin_password:
            found.append(
                (
                    "GreyMatter tokens",
                    auth_routes.AUTH_PREFIX + "/oauth/token",
                    "grant_type=password, user admin",
                )
            )
        return found

    def render_error(self, request: Request, exc: PickbayError) -> Response:
        """Spring's error bodies; OAuth's on the token endpoint."""
        if request.url.path.startswith(auth_routes.AUTH_PREFIX):
            return auth_routes.render(exc)
        return routes.render(request, exc)

    def error_body(self, path: str, status: int) -> tuple[str, Any]:
        """Spring's error body; OAuth's on the token endpoint."""
        if path.startswith(auth_routes.AUTH_PREFIX):
            return "application/json", auth_routes.OAuthError
        return "application/json", routes.Error

    def security_scheme(self, path: str) -> str | None:
        """The bearer token, on every service-request route (the token endpoint says its own)."""
        return "GreyMatterToken" if path.startswith(routes.PREFIX + "/") else None

    def states(self) -> Sequence[str]:
        """Service-request states as the platform spells them."""
        return [s.value for s in State]

    async def tenants(self, conn: AsyncConnection) -> list[str]:
        """One floor."""
        return [repo.TENANT]

    async def load(self, conn: AsyncConnection, row_id: int) -> ServiceRequest | None:
        """The request with its lines."""
        return await repo.load_row(conn, row_id)

    def detail(self, order: Any) -> dict[str, Any]:
        """Its lines, the triggers allowed now, the GreyMatter API's view."""
        return board_view(order)

    async def save_user(self, rt: Runtime, username: str, password: str) -> str | None:
        """A platform user, who fetches OAuth tokens."""
        auth = rt.service(GreyMatterAuth)
        await auth.start("")
        await auth.add_user(username, password, replace=True)
        return "fetch tokens with POST " + auth_routes.AUTH_PREFIX + "/oauth/token"

    async def feed_tenant(self, rt: Runtime, token: str) -> str | None:
        """A GreyMatter bearer token (the static one, or one the token endpoint issued)."""
        return repo.TENANT if rt.service(GreyMatterAuth).valid(token) else None

    def sign_in(self, client: Client, who: str) -> dict[str, str]:
        """User `who` (made with a new password) fetches an OAuth token; sent as bearer."""
        password = secrets.token_urlsafe(18)
        client.own("POST", "/greymatter/users", {"username": who, "password": password})
        token = client.ok(
            "POST",
            auth_routes.AUTH_PREFIX + "/oauth/token",
            form={"grant_type": "password", "username": who, "password": password},
            headers={"Authorization": auth_routes.CLIENT_HEADER},
        )
        return {"Authorization": f"Bearer {token['access_token']}"}
