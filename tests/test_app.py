"""The app: a failure nobody expected still answers in the called API's own error format."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.runtime import Runtime
from pickbay.vendors.greymatter.service import GreyMatterService
from pickbay.vendors.itempath.service import ItemPathService
from pickbay.vendors.pickup_cloud.service import PickupCloudService
from tests.conftest import paused_clock, settings_for
from tests.signalr.peers import free_port


@pytest.fixture
async def loose(app_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the app's answer to an exception instead of the exception."""
    app = create_app(runtime=app_runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            yield c


def broken(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("the disk is on fire")


async def itempath_token(client: httpx.AsyncClient) -> dict[str, str]:
    r = await client.post("/api/users/login", json={"username": "admin", "password": "admin"})
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


async def test_an_unexpected_error_answers_in_each_vendors_format_with_a_request_id(
    loose: httpx.AsyncClient,
    app_runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(app_runtime.service(PickupCloudService), "get_by_number", broken)
    monkeypatch.setattr(app_runtime.service(ItemPathService), "list_orders", broken)
    monkeypatch.setattr(app_runtime.service(GreyMatterService), "get", broken)
    monkeypatch.setattr(app_runtime.board, "orders", broken)
    calls = [
        ("/api/v2/orders/by-ordernumber/N-1", {"x-api-key": "dev"}),
        ("/api/orders", await itempath_token(loose)),
        (
            "/api-gateway/sr-service/platform-srms/service-request/1",
            {"Authorization": "Bearer dev"},
        ),
        ("/pickbay/v1/orders", {"Authorization": "Bearer dev"}),
    ]
    bodies = []
    with caplog.at_level(logging.ERROR, logger="pickbay.app"):
        for path, headers in calls:
            r = await loose.get(path, headers=headers)
            assert r.status_code == 500, (path, r.text)
            request_id = r.headers["x-request-id"]
            assert request_id in r.text
            assert f"request {request_id}: GET {path} failed" in caplog.text
            bodies.append(r.json())
    pickup, itempath, greymatter, own = bodies
    assert r.headers["content-type"].startswith("application/json")
    assert pickup["status"] == 500
    assert pickup["title"] == "Internal Server Error"
    assert "traceId" in pickup
    assert list(itempath) == ["errors"]
    assert greymatter["status"] == 500
    assert greymatter["path"].endswith("/service-request/1")
    assert own["error"]["status"] == 500
    assert "the disk is on fire" not in str(bodies)  # the details stay in the log
    assert "the disk is on fire" in caplog.text


async def test_readiness_says_what_the_process_cannot_reach(
    client: httpx.AsyncClient, postgres_url: str
) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok", "backplane": "ok"}

    # Redis is down: the process starts all the same, serves on the database poll, and is
    # not ready until the backplane is back.
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    rt = Runtime(settings_for(postgres_url, redis_url=nowhere), clock=paused_clock())
    app = create_app(runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            unready = await c.get("/readyz")
            assert unready.status_code == 503
            assert unready.json() == {
                "status": "unready",
                "database": "ok",
                "backplane": "unreachable",
            }
            assert (await c.get("/healthz")).status_code == 200
            r = await c.post(
                "/api/v2/orders",
                headers={"x-api-key": "dev"},
                json={
                    "orderNumber": "NO-REDIS",
                    "articles": [{"scanCode": "1", "quantityOrdered": 1}],
                },
            )
            assert r.status_code == 200


async def test_the_cluster_view_lists_this_process_and_its_roles(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    assert (await client.get("/pickbay/v1/cluster")).status_code == 401
    view = (await client.get("/pickbay/v1/cluster", headers={"Authorization": "Bearer dev"})).json()
    me = app_runtime.cluster.id
    assert view["process"] == me
    (process,) = view["processes"]
    assert (process["id"], process["roles"], process["relayLag"]) == (me, ["webhooks"], 0)
    assert process["connections"] == 0  # no realtime client here
    assert [(r["role"], r["holder"], r["token"]) for r in view["roles"]] == [("webhooks", me, 1)]
    assert view["timers"]["due"] == 0
    assert view["webhooks"]["pending"] == 0
