"""Serving the app with uvicorn, ending pickbay's endless streams first when it stops.

uvicorn waits for open responses before it shuts the app down, and an event stream or a
SignalR connection never ends by itself: without this, stopping would hang until uvicorn's
graceful-shutdown timeout cancelled them.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from fastapi import FastAPI


class Server(uvicorn.Server):
    """uvicorn's server for a pickbay app."""

    def __init__(self, app: FastAPI, **config: Any) -> None:
        # No WebSocket compression, as ASP.NET Core (it is opt-in there): every frame of a push
        # is then the same bytes for every connection (see signalr.server._direct_frames).
        super().__init__(
            uvicorn.Config(app, timeout_graceful_shutdown=5, ws_per_message_deflate=False, **config)
        )
        self.app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Close the event feed's streams and the hub's connections, then stop as uvicorn does."""
        self.app.state.runtime.feed.close()
        await self.app.state.pickup_hub.server.stop()
        await super().shutdown(sockets)
