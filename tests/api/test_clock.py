import httpx
import pytest

from tests.conftest import T0


async def test_read_pause_resume_speed(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.get("/pickbay/v1/clock", headers=admin)
    assert r.json() == {"now": T0.isoformat(), "paused": True, "speed": 1.0, "virtual": True}
    r = await client.post("/pickbay/v1/clock", json={"paused": False, "speed": 60}, headers=admin)
    assert r.json()["paused"] is False
    assert r.json()["speed"] == 60.0


async def test_advance_reports_fired_timers(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await client.post(
        "/api/v2/orders",
        headers={"x-api-key": "dev"},
        json={
            "orderNumber": "A",
            "relatedNotes": "$pickup-001-002",
            "articles": [{"scanCode": "1", "quantityOrdered": 1}],
        },
    )
    r = await client.post("/pickbay/v1/clock/advance", json={"seconds": 90}, headers=admin)
    assert r.status_code == 200
    assert r.json()["timersFired"] == 2
    assert r.json()["now"] == "2030-01-15T09:01:30+00:00"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/pickbay/v1/clock", {"speed": 0}, "speed"),
        ("/pickbay/v1/clock", {"speed": "fast"}, "speed"),
        ("/pickbay/v1/clock", {"pause": True}, "pause"),
        ("/pickbay/v1/clock/advance", {"seconds": -1}, "seconds"),
        ("/pickbay/v1/clock/advance", {}, "seconds"),
    ],
)
async def test_bad_clock_input(
    client: httpx.AsyncClient, admin: dict[str, str], path: str, payload: object, field: str
) -> None:
    r = await client.post(path, json=payload, headers=admin)
    assert r.status_code == 400
    assert field in r.json()["error"]["errors"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"x-api-key": "dev"}])
async def test_own_api_needs_the_admin_token(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    r = await client.get("/pickbay/v1/clock", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["status"] == 401
