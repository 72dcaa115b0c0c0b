"""Bounds on what one request may cost: its body is refused past a size, unread."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pickbay.core.errors import PayloadTooLarge
from pickbay.http.common import ErrorRenderer


class _Exceeded(Exception):
    """The body grew past the limit while it was being read."""


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes is a 413 in the called API's format.

    A declared `Content-Length` over the limit is refused before anything is read; a body
    without one (chunked) is counted as it arrives and refused once it passes the limit, so
    a request never costs more than `limit` bytes of memory.
    """

    def __init__(self, app: ASGIApp, limit: int, render: ErrorRenderer) -> None:
        self.app = app
        self.limit = limit
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                # The server reads no more than a declared length: within it, nothing to count.
                if value.isdigit() and int(value) > self.limit:
                    await self._refuse(scope, receive, send)
                else:
                    await self.app(scope, receive, send)
                return
            if name == b"transfer-encoding":
                chunked = True
        if not chunked:  # no body at all
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _Exceeded
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _Exceeded:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(f"The request body is over the limit of {self.limit} bytes.")
        response = self.render(Request(scope, receive), error)
        response.headers["connection"] = "close"
        await response(scope, receive, send)
