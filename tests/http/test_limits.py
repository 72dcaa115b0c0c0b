"""Request bodies past the limit: 413 in the called API's format, never read whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pickbay.runtime import Runtime
from pickbay.store import events as event_log

LIMIT = 1_048_576
GREYMATTER = "/api-gateway/sr-service/platform-srms/service-request"


async def logged(rt: Runtime) -> int:
    async with rt.db.read() as conn:
        return len(await event_log.read(conn, limit=10_000))


@pytest.mark.parametrize(
    ("path", "headers", "shape"),
    [
        ("/api/v2/orders", {"x-api-key": "dev"}, "title"),
        ("/api/orders", {}, "errors"),
        (GREYMATTER, {"Authorization": "Bearer dev"}, "path"),
        ("/pickbay/v1/keys", {"Authorization": "Bearer dev"}, "error"),
    ],
)
async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, app_runtime: Runtime, path: str, headers: dict[str, str], shape: str
) -> None:
    before = await logged(app_runtime)
    body = b'{"x": "' + b"y" * LIMIT + b'"}'
    r = await client.post(
        path, content=body, headers={**headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    assert shape in r.json()
    assert str(LIMIT) in r.text
    assert await logged(app_runtime) == before


async def test_a_chunked_body_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for n in range(64):  # 4 MiB in all
            sent.append(n)
            yield b"x" * 65_536

    before = await logged(app_runtime)
    r = await client.post(
        "/api/v2/orders",
        content=chunks(),
        headers={"x-api-key": "dev", "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["status"] == 413
    assert len(sent) <= LIMIT // 65_536 + 2  # reading stopped at the limit
    assert await logged(app_runtime) == before


async def test_a_body_within_the_limit_is_read(client: httpx.AsyncClient) -> None:
    notes = "n" * 1000
    body = {
        "orderNumber": "L-1",
        "relatedNotes": notes,
        "articles": [{"scanCode": "1", "name": "a", "quantityOrdered": 1}],
    }
    r = await client.post("/api/v2/orders", json=body, headers={"x-api-key": "dev"})
    assert r.status_code == 200, r.text
