"""Requests that may write wait while another process fast-forwards the clock.

An advance fires timers at later and later sandbox times; a write this process made meanwhile
would carry the time from before the advance, behind the events already logged. So every
request but the safe methods, the clock's own routes and the realtime hubs passes the clock's
gate (`ClockService.writing`): open unless another process advances.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from pickbay.engine.clock import ClockService

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteGate:
    """Holds a request that may write until no other process advances the clock."""

    def __init__(self, app: ASGIApp, clock: ClockService, exempt: Sequence[str]) -> None:
        self.app = app
        self.clock = clock
        self.exempt = tuple(exempt)  # path prefixes that write no events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, through the gate if it may write."""
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE
            or scope["path"].startswith(self.exempt)
        ):
            await self.app(scope, receive, send)
            return
        async with self.clock.writing():
            await self.app(scope, receive, send)
