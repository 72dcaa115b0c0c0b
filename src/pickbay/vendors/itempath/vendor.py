"""ItemPath (Kardex Power Pick) as pickbay's registry sees it."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from pickbay.core.errors import PickbayError
from pickbay.vendors.contract import Vendor
from pickbay.vendors.itempath import repository as repo
from pickbay.vendors.itempath.http import operator, routes
from pickbay.vendors.itempath.http.views import board_view
from pickbay.vendors.itempath.machine import Timing
from pickbay.vendors.itempath.model import IMPORT_STEP, NAME, PROCESS_STEP, LiftOrder, OrderStatus
from pickbay.vendors.itempath.service import ItemPathService

if TYPE_CHECKING:
    from pickbay.client import Client
    from pickbay.config import Settings
    from pickbay.runtime import Runtime


class ItemPath(Vendor):
    """The ItemPath API of Kardex Power Pick on a simulated vertical lift module."""

    name = NAME
    title = "ItemPath"
    description = (
        "The ItemPath REST API of Kardex Power Pick (orders, order lines and materials of "
        "vertical lift modules), served by pickbay's sandbox. Sign in with POST "
        "/api/users/login (sandbox: admin / admin) and send the access token as a bearer "
        "token. Where pickbay infers what the vendor does not document, the operation says so."
    )
    prefixes = (routes.PREFIX, routes.LEGACY_PREFIX)
    machine_steps = (IMPORT_STEP, PROCESS_STEP)  # the lift imports and its operator confirms
    pick_faults = ("short",)  # the operator confirms fewer than allocated
    security_schemes = {
        "ItemPathToken": routes.SECURITY_SCHEME,
        "ItemPathRefreshToken": routes.REFRESH_SCHEME,
    }

    def build(self, rt: Runtime) -> None:
        """The lift service, on the engine's clock and scheduler."""
        settings = rt.settings
        rt.provide(
            ItemPathService(
                rt.db,
                rt.clock,
                rt.scheduler,
                Timing(
                    import_seconds=settings.itempath_import_seconds,
                    line_seconds=settings.itempath_line_seconds,
                    auto_process=settings.itempath_auto_process,
                ),
                rt.faults,
            )
        )

    async def start(self, rt: Runtime) -> None:
        """User `admin` (if a password is configured) and the sandbox materials."""
        if rt.settings.itempath_admin_password:
            await rt.accounts.add_user("admin", rt.settings.itempath_admin_password, replace=False)
        if rt.settings.itempath_sandbox_materials:
            await rt.service(ItemPathService).seed_materials()

    def routers(self) -> Sequence[APIRouter]:
        """The ItemPath API and the lift's operator routes."""
        return (routes.router, operator.router)

    def endpoints(self, settings: Settings) -> Sequence[tuple[str, str, str]]:
        """The orders API, after logging in."""
        login = "POST /api/users/login"
        if settings.itempath_admin_password:
            login += f" as admin / {settings.itempath_admin_password}"
        return (("ItemPath", routes.PREFIX + "/orders", login),)

    def render_error(self, request: Request, exc: PickbayError) -> Response:
        """ItemPath's error bodies."""
        return routes.render(request, exc)

    def error_body(self, path: str, status: int) -> tuple[str, Any]:
        """`{"errors": [...]}`, or Flask-JWT-Extended's `{"msg"}` for token problems."""
        return "application/json", routes.error_body(status)

    def security_scheme(self, path: str) -> str | None:
        """The bearer token, on every route but login and refresh."""
        if path.startswith(routes.PREFIX + "/") and "/users/" not in path:
            return "ItemPathToken"
        return None

    def states(self) -> Sequence[str]:
        """Order statuses as Power Pick spells them."""
        return [s.value for s in OrderStatus]

    async def tenants(self, conn: AsyncConnection) -> list[str]:
        """One Power Pick installation."""
        return [repo.TENANT]

    async def load(self, conn: AsyncConnection, row_id: int) -> LiftOrder | None:
        """The order with its lines."""
        return await repo.load_row(conn, row_id)

    def detail(self, order: Any) -> dict[str, Any]:
        """Its lines, the triggers allowed now, the ItemPath API's view."""
        return board_view(order)

    async def save_user(self, rt: Runtime, username: str, password: str) -> str | None:
        """A user who logs in to the ItemPath API."""
        await rt.accounts.start()
        await rt.accounts.add_user(username, password, replace=True)
        return "log in with POST /api/users/login"

    async def feed_tenant(self, rt: Runtime, token: str) -> str | None:
        """An access or application token of an ItemPath user."""
        try:
            rt.accounts.verify(token)
        except PickbayError:
            return None
        return repo.TENANT

    def sign_in(self, client: Client, who: str) -> dict[str, str]:
        """User `who` (made with a new password) logs in; the access token as bearer."""
        password = secrets.token_urlsafe(18)
        client.own("POST", "/itempath/users", {"username": who, "password": password})
        login = {"username": who, "password": password}
        tokens = client.ok("POST", routes.PREFIX + "/users/login", body=login)
        return {"Authorization": f"Bearer {tokens['accessToken']}"}
