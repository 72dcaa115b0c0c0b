"""A NUL character anywhere a client can put one: 400 naming the field, on both databases,
in the called API's format, and nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.http.nul import MESSAGE
from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from tests.conftest import paused_clock, settings_for

GREYMATTER = "/api-gateway/sr-service/platform-srms/service-request"
PICKUP = {"x-api-key": "dev"}
ADMIN = {"Authorization": "Bearer dev"}
GM = {"Authorization": "Bearer dev"}


@pytest.fixture
async def site(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """The app on each database."""
    rt = Runtime(settings_for(database_url), clock=paused_clock())
    app = create_app(runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            yield c, rt


async def logged(rt: Runtime) -> int:
    async with rt.db.read() as conn:
        return len(await event_log.read(conn, limit=10_000))


def order(**changes: Any) -> dict[str, Any]:
    article = {"scanCode": "1", "name": "Aspirin", "quantityOrdered": 1}
    article.update(changes.pop("article", {}))
    return {"orderNumber": "N-1", "articles": [article], **changes}


async def test_pickup_cloud_names_the_json_path_member_and_argument(
    site: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, rt = site
    before = await logged(rt)
    r = await client.post("/api/v2/orders", json=order(article={"name": "a\x00b"}), headers=PICKUP)
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == {"$.articles[0].name": [MESSAGE]}
    r = await client.get("/api/v2/orders/by-ordernumber/N%00-1", headers=PICKUP)
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == {"OrderNumber": [MESSAGE]}
    r = await client.get("/api/v2/orders?state=%00", headers=PICKUP)
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == {"State": [MESSAGE]}
    r = await client.get("/api/v2/orders", headers={"x-api-key": "d\x00ev"})
    assert r.status_code == 401
    assert await logged(rt) == before


async def test_itempath_names_the_field_and_argument(
    site: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, rt = site
    login = await client.post("/api/users/login", json={"username": "admin\x00", "password": "x"})
    assert login.status_code == 400
    assert login.json() == {"errors": [{"username": {"message": MESSAGE}}]}
    token = (
        await client.post("/api/users/login", json={"username": "admin", "password": "admin"})
    ).json()["accessToken"]
    auth = {"Authorization": f"Bearer {token}"}
    before = await logged(rt)
    body = {"name": "x", "order_lines": [{"materialName": "S10\x001", "quantity": 1}]}
    r = await client.post("/api/orders", json=body, headers=auth)
    assert r.status_code == 400, r.text
    assert r.json() == {"errors": [{"order_lines[0].materialName": {"message": MESSAGE}}]}
    for path, name in (("/api/orders?name=%00", "name"), ("/api/orders/A%00B", "order_id")):
        r = await client.get(path, headers=auth)
        assert r.status_code == 400, (path, r.text)
        assert r.json() == {"errors": [{name: {"message": MESSAGE}}]}
    assert await logged(rt) == before


async def test_greymatter_and_the_own_api_name_the_field(
    site: tuple[httpx.AsyncClient, Runtime],
) -> None:
    client, rt = site
    before = await logged(rt)
    r = await client.post(
        GREYMATTER,
        json={"externalServiceRequestId": "R\x00", "type": "PICK", "serviceRequests": []},
        headers=GM,
    )
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [{"field": "externalServiceRequestId", "message": MESSAGE}]
    r = await client.get(f"{GREYMATTER}/1%00", headers=GM)
    assert r.status_code == 400, r.text
    assert r.json()["errors"] == [{"field": "sr_id", "message": MESSAGE}]
    r = await client.post("/pickbay/v1/keys", json={"tenant": "a\x00"}, headers=ADMIN)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["errors"] == {"tenant": [MESSAGE]}
    assert await logged(rt) == before
