"""Stopping a server ends its open event streams instead of waiting for them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

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
            assert not server._server["thread"].is_alive()
    finally:
        if not stopped:
            testing.stop(server)
