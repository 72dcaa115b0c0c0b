"""The server: stopping ends open event streams; `pickbay serve` freezes its startup heap."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import websockets

from pickbay import testing


async def test_stopping_ends_open_event_streams(tmp_path: Path) -> None:
    server = testing.start(testing.settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"))
    stopped = False
    try:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as http,
            http.stream(
                "GET", "/pickbay/v1/events/stream", headers={"Authorization": "Bearer dev"}
            ) as r,
        ):
            lines = r.aiter_lines()
            assert await anext(lines) == "retry: 2000"
            stopping = asyncio.ensure_future(asyncio.to_thread(testing.stop, server))
            rest = [line async for line in lines]  # ends when the server closes the stream
            assert rest == [""]
            await stopping
            stopped = True
            assert not server._server.running
    finally:
        if not stopped:
            testing.stop(server)


FREEZE_PROBE = """
import asyncio, gc, sys
from pickbay import testing
from pickbay.app import create_app
from pickbay.runtime import Runtime
from pickbay.serving import Server

async def main():
    app = create_app(runtime=Runtime(testing.settings(sys.argv[1])))
    server = Server(app, freeze=sys.argv[2] == "1", host="127.0.0.1", port=0, log_level="warning")
    server.config.load()
    server.lifespan = server.config.lifespan_class(server.config)
    await server.startup()  # as uvicorn's serve does, up to serving
    print(gc.get_freeze_count(), flush=True)
    await server.shutdown()

asyncio.run(main())
"""


@pytest.mark.parametrize("freeze", [True, False])
def test_a_server_of_its_own_freezes_what_startup_built(tmp_path: Path, freeze: bool) -> None:
    """`pickbay serve` (freeze) moves the startup heap out of the collector's way; tests do not."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    probe = [sys.executable, "-c", FREEZE_PROBE, url, "1" if freeze else "0"]
    out = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=True)
    frozen = int(out.stdout.split()[0])
    assert (frozen > 10_000) if freeze else (frozen == 0)


async def _trickle(port: int, request: bytes, pause: float) -> float:
    """Send `request` a byte at a time; how long until the server closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        for byte in request:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), pause) == b"":
                    break  # closed by the server
            except TimeoutError:
                continue
        return loop.time() - started
    finally:
        writer.close()


async def test_headers_that_trickle_in_are_cut_off_and_upgrades_are_not(tmp_path: Path) -> None:
    """A slow loris is closed once its headers are late; a WebSocket may live on (wall time:
    network deadlines are not the sandbox's)."""
    config = testing.settings(
        f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", header_timeout_seconds=0.5
    )
    server = testing.start(config)
    try:
        port = int(server.url.rsplit(":", 1)[1])
        slow = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 100 + b"\r\n\r\n"
        took = await _trickle(port, slow, 0.05)
        assert took < len(slow) * 0.05  # closed before the headers were all sent
        # A complete request that takes longer than the deadline to answer is no loris; and a
        # WebSocket lives well past the deadline.
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/healthz")).status_code == 200
        url = server.url.replace("http", "ws") + "/hubs/pickup-cloud?access_token=dev"
        async with websockets.connect(url) as ws:
            await ws.send('{"protocol":"json","version":1}\x1e')
            assert await ws.recv() == "{}\x1e"
            await asyncio.sleep(1.0)  # twice the header deadline, on the wall clock
            await ws.send('{"type":6}\x1e')
            await ws.ping()
    finally:
        testing.stop(server)
