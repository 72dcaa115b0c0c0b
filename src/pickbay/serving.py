"""Serving the app with uvicorn, ending pickbay's endless streams first when it stops.

uvicorn waits for open responses before it shuts the app down, and an event stream or a
SignalR connection never ends by itself: without this, stopping would hang until uvicorn's
graceful-shutdown timeout cancelled them.
"""

from __future__ import annotations

import asyncio
import gc
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection whose request line and headers take
    longer than `seconds` to arrive (a slow loris), on a new connection and between requests
    alike. uvicorn times out idle keep-alive connections, but not a trickle of header bytes."""

    seconds = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        """A request begins: its headers must be complete in time."""
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        """The headers are in time."""
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        """Nothing left to time."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.seconds, self._late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _late(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def header_deadline(seconds: float) -> type[HttpToolsProtocol]:
    """The HTTP protocol with request headers due within `seconds`."""
    return type("HeaderDeadline", (HeaderDeadline,), {"seconds": seconds})


class Server(uvicorn.Server):
    """uvicorn's server for a pickbay app."""

    def __init__(self, app: FastAPI, *, freeze: bool = False, **config: Any) -> None:
        """`freeze`: after startup, keep what startup built out of the garbage collector's way.

        Everything built at startup (modules, the app, the schema, the engine) lives as long
        as the process. Moved out of the collector's sight, a full collection with 1,000
        connections took 30 ms instead of 120-150 ms, a pause every push waits behind. Only
        for a process of its own (`pickbay serve`): in a test process it would keep the
        tests' garbage alive too.
        """
        self.freeze = freeze
        # No WebSocket compression, as ASP.NET Core (it is opt-in there): every frame of a push
        # is then the same bytes for every connection (see signalr.framing.direct_frames).
        settings = app.state.runtime.settings
        super().__init__(
            uvicorn.Config(
                app,
                http=header_deadline(settings.header_timeout_seconds),
                timeout_graceful_shutdown=5,
                ws_per_message_deflate=False,
                **config,
            )
        )
        self.app = app

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does; then, with `freeze`, collect once and freeze the heap."""
        await super().startup(sockets)
        if self.freeze and not self.should_exit:
            gc.collect()
            gc.freeze()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Close the event feed's streams and the hubs' connections, then stop as uvicorn does."""
        self.app.state.runtime.feed.close()
        for hub in self.app.state.hubs:
            await hub.stop()
        await super().shutdown(sockets)
