"""GreyMatter (GreyOrange Butler) as pickbay's registry sees it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from pickbay.core.errors import PickbayError
from pickbay.http.common import same_secret
from pickbay.vendors.contract import Vendor
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.http import operator, routes
from pickbay.vendors.greymatter.http.views import board_view
from pickbay.vendors.greymatter.machine import Layout
from pickbay.vendors.greymatter.model import NAME, ServiceRequest, State
from pickbay.vendors.greymatter.notifications import webhook_body
from pickbay.vendors.greymatter.service import GreyMatterService
from pickbay.webhooks.dispatcher import Format

if TYPE_CHECKING:
    from pickbay.config import Settings
    from pickbay.runtime import Runtime


class GreyMatter(Vendor):
    """GreyMatter service requests on a simulated goods-to-person floor, with webhooks."""

    name = NAME
    title = "GreyMatter"
    prefixes = (routes.PREFIX,)
    security_schemes = {"GreyMatterToken": routes.SECURITY_SCHEME}

    def build(self, rt: Runtime) -> None:
        """The floor service, on the engine's clock and scheduler."""
        settings = rt.settings
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
            )
        )

    async def start(self, rt: Runtime) -> None:
        """The sandbox stock, on an empty floor."""
        if rt.settings.greymatter_sandbox_stock:
            await rt.service(GreyMatterService).seed_stock()

    def webhook_format(self) -> Format:
        """`order_information`, `order_modification` and `bin_complete` notifications."""
        return webhook_body

    def routers(self) -> Sequence[APIRouter]:
        """The service-request API and the floor's operator routes."""
        return (routes.router, operator.router)

    def endpoints(self, settings: Settings) -> Sequence[tuple[str, str, str]]:
        """The service-request API, with the bearer token."""
        how = f"Authorization: Bearer {settings.greymatter_token}"
        return (("GreyMatter", routes.PREFIX + "/service-request", how),)

    def render_error(self, request: Request, exc: PickbayError) -> Response:
        """Spring's error bodies."""
        return routes.render(request, exc)

    def security_scheme(self, path: str) -> str | None:
        """The bearer token, on every route."""
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

    async def feed_tenant(self, rt: Runtime, token: str) -> str | None:
        """The GreyMatter bearer token."""
        return repo.TENANT if same_secret(token, rt.settings.greymatter_token) else None
