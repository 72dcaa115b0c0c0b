"""Serving the app with uvicorn, ending pickbay's endless streams first when it stops.

uvicorn waits for open responses before it shuts the app down, and an event stream or a
SignalR connection never ends by itself: without this, stopping would hang until uvicorn's
graceful-shutdown timeout cancelled them.
"""

from __future__ import annotations

import gc
import socket
from typing import Any

import uvicorn
from fastapi import FastAPI


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
        super().__init__(
            uvicorn.Config(app, timeout_graceful_shutdown=5, ws_per_message_deflate=False, **config)
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
