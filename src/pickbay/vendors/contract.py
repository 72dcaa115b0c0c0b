"""The vendor contract: what a vendor declares once, and all the engine asks of it.

The app, the runtime, the board, the event feed and the console read the registry
(`pickbay.vendors.registry`); none of them names a vendor. A vendor builds its services on
the shared engine, serves its routes (and hubs), renders its errors, and answers the board's
and the feed's questions about its orders and its credentials.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from pickbay.core.errors import InvalidInput, PickbayError
from pickbay.core.timers import TimerKind
from pickbay.http.errors import query_errors
from pickbay.signalr.server import SignalRServer
from pickbay.webhooks.dispatcher import Format

if TYPE_CHECKING:
    from pickbay.client import Client
    from pickbay.config import Settings
    from pickbay.runtime import Runtime


class Vendor(ABC):
    """One vendor API on the shared engine."""

    name: ClassVar[str]
    """How the event log, the board and the feed name the vendor (their `dialect`)."""
    title: ClassVar[str]
    """The vendor API's name for people (the console's and the API docs')."""
    description: ClassVar[str] = ""
    """What the vendor API is, for its OpenAPI document."""
    prefixes: ClassVar[tuple[str, ...]] = ()
    """Paths whose errors this vendor renders (the longest matching prefix wins)."""
    security_schemes: ClassVar[Mapping[str, dict[str, Any]]] = {}
    """OpenAPI security schemes of the vendor's API, by name."""
    api_keys: ClassVar[bool] = False
    """Whether the shared tenant API keys identify this vendor's tenants."""
    has_hubs: ClassVar[bool] = False
    """Whether it serves realtime hubs (its `hubs`)."""
    machine_steps: ClassVar[tuple[TimerKind, ...]] = ()
    """The timers its simulated machine works on: they wait while the machine is offline."""
    pick_faults: ClassVar[tuple[str, ...]] = ()
    """What a pick fault may make its machine's operator do wrong (a fault's `pick`)."""

    # ------------------------------------------------------------------ the engine

    @abstractmethod
    def build(self, rt: Runtime) -> None:
        """Make the vendor's services on the engine (`rt.provide`) and register its timers."""

    @abstractmethod
    async def start(self, rt: Runtime) -> None:
        """Startup work once the database is migrated: sandbox credentials and seed data."""

    def webhook_format(self) -> Format | None:
        """How the vendor's logged events become webhook notifications (None: they do not)."""
        return None

    # ------------------------------------------------------------------ HTTP

    @abstractmethod
    def routers(self) -> Sequence[APIRouter]:
        """The vendor's API and its operator routes under /pickbay/v1."""

    def hubs(self, rt: Runtime) -> Sequence[SignalRServer]:
        """The realtime hubs the vendor serves (none by default)."""
        return ()

    @abstractmethod
    def endpoints(self, settings: Settings) -> Sequence[tuple[str, str, str]]:
        """What `pickbay serve` prints of the vendor: (title, path, how to authenticate)."""

    @abstractmethod
    def render_error(self, request: Request, exc: PickbayError) -> Response:
        """An error in the vendor's own format."""

    @abstractmethod
    def error_body(self, path: str, status: int) -> tuple[str, Any]:
        """The media type and the model (or union of models) of the error body the vendor's
        API answers with `status` on `path`, for its OpenAPI document."""

    def validation_error(self, exc: RequestValidationError) -> PickbayError:
        """The error for query or path arguments the framework refused."""
        return InvalidInput(query_errors(exc))

    def security_scheme(self, path: str) -> str | None:
        """The OpenAPI security scheme of an operation on `path` (None: not the vendor's)."""
        return None

    # ------------------------------------------------------------------ reading

    @abstractmethod
    def states(self) -> Sequence[str]:
        """Every state the vendor's orders can show (the board's filter)."""

    @abstractmethod
    async def tenants(self, conn: AsyncConnection) -> list[str]:
        """The vendor's tenants."""

    @abstractmethod
    async def load(self, conn: AsyncConnection, row_id: int) -> Any | None:
        """One of the vendor's orders by its row id, as its model holds it."""

    @abstractmethod
    def detail(self, order: Any) -> dict[str, Any]:
        """An order for the board: `lines` in one shape for every vendor, the `triggers` its
        lifecycle allows now, and `native`, the vendor API's own view (plus any extra keys)."""

    def console_script(self) -> bytes | None:
        """The vendor's part of the operator console: `console.js` in its folder, if any."""
        return _package_file(type(self).__module__.rpartition(".")[0], "console.js")

    async def save_user(self, rt: Runtime, username: str, password: str) -> str | None:
        """Add a user of this vendor's API, or reset the password of one; how the user signs
        in, or None if the vendor's API has no users."""
        return None

    async def feed_tenant(self, rt: Runtime, token: str) -> str | None:
        """The tenant whose events a credential of this vendor may read (None: not one of
        its credentials)."""
        return None

    # ------------------------------------------------------------------ its clients

    @abstractmethod
    def sign_in(self, client: Client, who: str) -> dict[str, str]:
        """The headers a new client of this vendor's API sends to a running pickbay, signed in
        as `who` (a tenant, or a user) with credentials made through pickbay's own API, then
        the vendor's own sign-in, as its integrators' code does it."""


@cache
def _package_file(package: str, name: str) -> bytes | None:
    found = files(package).joinpath(name)
    return found.read_bytes() if found.is_file() else None
