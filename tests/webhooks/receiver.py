"""A real HTTP receiver for webhook tests: records what arrives, fails when told to."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import orjson
import uvicorn
from starlette.types import Receive, Scope, Send


class Receiver:
    """An HTTP server on 127.0.0.1 that answers 200 (or `fail_with`) to every POST."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # bodies answered with 2xx, in arrival order
        self.raw: list[tuple[dict[str, str], bytes]] = []  # headers and bytes of those
        self.refused = 0
        self.fail_with: int | None = None
        self.hang = False  # hold every post unanswered until `stop`
        self.held = 0
        self._release = asyncio.Event()
        self._changed = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        # Listening before the server runs: a post that comes early waits in the backlog.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/hook"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.hang:
            self.held += 1
            self._changed.set()
            await self._release.wait()
        status = self.fail_with or 200
        if status < 300:
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.raw.append((headers, body))
            self.received.append(orjson.loads(body))
        else:
            self.refused += 1
        self._changed.set()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def start(self) -> None:
        """Listen on the port."""
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))

    def release(self) -> None:
        """Answer the posts held, and every later one at once."""
        self._release.set()

    async def stop(self) -> None:
        """Stop listening (answering the posts held first)."""
        self.release()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._socket.close()

    async def wait_for(self, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        """Wait until `count` notifications were accepted; returns them all."""
        async with asyncio.timeout(within):
            while len(self.received) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.received

    async def wait_held(self, count: int, within: float = 15.0) -> None:
        """Wait until `count` posts are held unanswered."""
        async with asyncio.timeout(within):
            while self.held < count:
                self._changed.clear()
                await self._changed.wait()

    async def wait_refused(self, count: int, within: float = 15.0) -> None:
        """Wait until `count` posts were refused."""
        async with asyncio.timeout(within):
            while self.refused < count:
                self._changed.clear()
                await self._changed.wait()

    def of(self, external_id: str) -> list[tuple[str, str]]:
        """(notification_type, state) of each notification about one request, in order."""
        out = []
        for n in self.received:
            data = n["notification_data"]
            if n["notification_type"] == "order_information":
                if data["externalServiceRequestId"] == external_id:
                    out.append(("order_information", data["state"]))
            elif n["notification_type"] == "bin_complete":
                if any(
                    x["externalServiceRequestId"] == external_id for x in data["serviceRequests"]
                ):
                    out.append(("bin_complete", data["serviceRequests"][0]["state"]))
            else:
                out.append((n["notification_type"], data["state"]))
        return out
