"""Real peers for SignalR tests: a uvicorn server on a free port, the official JS client."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

JS_DIR = Path(__file__).parent.parent / "js"
WAIT = 20.0  # seconds to wait for a network answer before a test fails
LINE_LIMIT = 1 << 22  # a client reports each message as one line; some tests send big ones


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(app: Any, *, lifespan: str = "off", deflate: bool = False) -> AsyncIterator[str]:
    """Run `app` under uvicorn in this event loop; yields its base URL.

    Without `deflate`, WebSocket compression is off, as `pickbay serve` runs.
    """
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan=lifespan,
        ws_per_message_deflate=deflate,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=WAIT)


def ensure_js_client() -> None:
    """Install the npm client packages once (package-lock.json pins them)."""
    if not (JS_DIR / "node_modules" / "@microsoft" / "signalr").exists():
        npm = shutil.which("npm")
        assert npm, "npm is required for the SignalR client tests"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True)


async def upgrade_status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a WebSocket upgrade request to `url` is refused with (101 if not)."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        **(headers or {}),
    }
    async with (
        httpx.AsyncClient(timeout=WAIT) as http,
        http.stream("GET", url, headers=upgrade) as r,
    ):
        return r.status_code


class ClientProcess:
    """A SignalR client in its own process (Node or Python), spoken to over JSON lines."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []
        self._seen = 0
        self._next_id = 0

    @classmethod
    async def js(cls, **options: Any) -> ClientProcess:
        """The official JavaScript client with the options client.mjs documents."""
        ensure_js_client()
        proc = await asyncio.create_subprocess_exec(
            "node",
            str(JS_DIR / "client.mjs"),
            json.dumps(options),
            cwd=JS_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        return cls(proc)

    async def next(self, match: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """The next event (that `match` accepts), waiting for it."""
        while True:
            while self._seen < len(self.events):
                event = self.events[self._seen]
                self._seen += 1
                if match is None or match(event):
                    return event
            assert self.proc.stdout is not None
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=WAIT)
            assert line, f"the client exited; events so far: {self.events}"
            self.events.append(json.loads(line))

    async def event(self, name: str) -> dict[str, Any]:
        """The next event called `name`."""
        return await self.next(lambda e: e["event"] == name)

    async def messages(self, count: int) -> list[dict[str, Any]]:
        """The next `count` hub invocations received, as (target, args) events."""
        return [await self.event("message") for _ in range(count)]

    async def command(self, cmd: str, **fields: Any) -> dict[str, Any]:
        """Send a command; for invoke/send, wait for its answer."""
        self._next_id += 1
        assert self.proc.stdin is not None
        line = json.dumps({"cmd": cmd, "id": self._next_id, **fields}) + "\n"
        self.proc.stdin.write(line.encode())
        await self.proc.stdin.drain()
        if cmd == "invoke":
            ident = self._next_id
            return await self.next(lambda e: e["event"] == "result" and e["id"] == ident)
        if cmd == "send":
            ident = self._next_id
            return await self.next(lambda e: e["event"] == "sent" and e["id"] == ident)
        return {}

    async def invoke(self, method: str, *args: Any) -> dict[str, Any]:
        """Invoke a hub method; the answer holds `result` or `error`."""
        return await self.command("invoke", method=method, args=list(args))

    async def stop(self) -> None:
        """Stop the connection and wait for the process to end."""
        if self.proc.returncode is None:
            try:
                await self.command("stop")
                await asyncio.wait_for(self.proc.wait(), timeout=WAIT)
            except (TimeoutError, ConnectionError):
                self.proc.kill()
                await self.proc.wait()
