"""Injected faults at the door of each vendor's API: a matching request is held, or answered
with the error the fault names in that vendor's own format, before the API sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http import HTTPStatus

from starlette.requests import HTTPConnection
from starlette.requests import Request as HttpRequest
from starlette.types import ASGIApp, Receive, Scope, Send

from pickbay.core.errors import PickbayError, Unauthorized
from pickbay.core.faults import Fault
from pickbay.engine.faults import Faults, Request
from pickbay.engine.tenancy import Tenancy
from pickbay.http.common import ErrorRenderer, bearer
from pickbay.vendors.contract import Vendor


class InjectedFault(PickbayError):
    """The error a fault answers with."""

    def __init__(self, fault: Fault) -> None:
        assert fault.status is not None
        super().__init__(f"Injected by pickbay fault {fault.id}.")
        self.status = fault.status
        self.title = HTTPStatus(fault.status).phrase


def injected(fault: Fault) -> PickbayError:
    """The vendor's own kind of error for the fault's status (a 401 as a refused credential)."""
    if fault.status == 401:
        return Unauthorized(f"Injected by pickbay fault {fault.id}.")
    return InjectedFault(fault)


class FaultInjection:
    """Applies the deployment's faults to the vendors' APIs (pickbay's own API is never hit)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: Faults,
        tenancy: Tenancy,
        owner: Callable[[str], Vendor | None],
        render: ErrorRenderer,
    ) -> None:
        self.app = app
        self.faults = faults
        self.tenancy = tenancy
        self.owner = owner
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.faults.active:
            await self.app(scope, receive, send)
            return
        vendor = self.owner(scope["path"])
        if vendor is None:
            await self.app(scope, receive, send)
            return
        tenant = await self._tenant(vendor, HTTPConnection(scope))
        call = Request(vendor.name, scope.get("method", "GET"), scope["path"], tenant)
        fault = await self.faults.decide(call)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        if fault.status is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # Refused before the handshake is accepted: the client sees its upgrade fail.
            await send({"type": "websocket.close", "code": 1013})
            return
        response = self.render(HttpRequest(scope), injected(fault))
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        await response(scope, receive, send)

    async def _tenant(self, vendor: Vendor, request: HTTPConnection) -> str | None:
        """The tenant whose key the request carries (vendors with API keys), if it has one."""
        if not vendor.api_keys:
            return None
        # The REST API reads `x-api-key`; the hub also takes the key as a bearer token or as
        # `access_token` (browsers cannot set headers on a WebSocket).
        key = (
            request.headers.get("x-api-key")
            or bearer(request)
            or request.query_params.get("access_token")
        )
        try:
            return (await self.tenancy.caller(key)).tenant
        except Unauthorized:
            return None
