"""A property-based fuzz of every documented operation, against a live server on SQLite and
on PostgreSQL: no 5xx (but the documented `$fail` demo), every refusal in the called API's
own error format, and nothing changed by a refused request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from pickbay import testing
from pickbay.app import create_app
from tests.conftest import asyncpg_url, create_postgres_database, drop_postgres_database, run_alone

# Operations left out: the clock (running it fires steps that change state by themselves) and
# the endless event stream.
OAUTH = "/api-gateway/auth-service/"
SKIP = ("/pickbay/v1/clock", "/pickbay/v1/events/stream")
SCHEMA = create_app(testing.settings("sqlite+aiosqlite://")).openapi()
# Generated cases only (valid by the documents and not), eight per operation and mode on each
# database, NUL characters included: about a minute in all.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 8, "mode": "all", "allow-x00": True},
    }
)
schema = schemathesis.openapi.from_dict(SCHEMA, config=CONFIG).exclude(
    path_regex="^(" + "|".join(SKIP) + ")"
)


class Live:
    """A running pickbay and the credentials of each API."""

    def __init__(self, server: testing.Pickbay) -> None:
        self.server = server
        self.url = server.url
        login = httpx.post(
            self.url + "/api/users/login", json={"username": "admin", "password": "admin"}
        )
        self.itempath = {"Authorization": "Bearer " + login.json()["accessToken"]}

    def headers(self, path: str) -> dict[str, str]:
        """What the operation at `path` authenticates with."""
        if path.startswith("/api/v2/"):
            return {"x-api-key": "dev"}
        if path.startswith(("/api/", "/orders/")):
            return self.itempath
        if path.startswith(OAUTH):
            return {"Authorization": "Basic YnV0bGVyOmJ1dGxlcg=="}
        return {"Authorization": "Bearer dev"}

    def head(self) -> int:
        """Where the event log is."""
        r = httpx.get(
            self.url + "/pickbay/v1/orders?limit=1", headers={"Authorization": "Bearer dev"}
        )
        return int(r.json()["seq"])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A live server on each database (a database of its own on PostgreSQL)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'p.db'}"
        yield from _serve(url)
        return
    made = run_alone(create_postgres_database())
    try:
        yield from _serve(asyncpg_url(made))
    finally:
        run_alone(drop_postgres_database(made))


def _serve(url: str) -> Iterator[Live]:
    server = testing.start(testing.settings(url))
    try:
        yield Live(server)
    finally:
        testing.stop(server)


def in_own_format(path: str, status: int, body: Any) -> bool:
    """Whether an error body is in the format of the API at `path`."""
    if not isinstance(body, dict):
        return False
    if path.startswith("/api/v2/"):
        return body.get("status") == status and "title" in body and "traceId" in body
    if path.startswith(("/api/", "/orders/")):
        return "errors" in body or "msg" in body
    if path.startswith(OAUTH):  # the auth service answers as OAuth 2.0 does
        return isinstance(body.get("error"), str) and "error_description" in body
    if path.startswith("/api-gateway/"):
        return body.get("status") == status and {"timestamp", "error", "path"} <= set(body)
    return isinstance(body.get("error"), dict) and body["error"].get("status") == status


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_holds_under_generated_input(case: Any, live: Live) -> None:
    path = case.operation.path
    before = live.head()
    response = case.call(base_url=live.url, headers=live.headers(path), timeout=30)
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    demo = (
        status == 500 and body is not None and body.get("title") == "An unexpected error occurred."
    )
    assert status < 500 or demo, (case.method, case.formatted_path, status, response.text[:500])
    if 400 <= status < 500:
        assert in_own_format(path, status, body), (case.method, path, status, response.text[:500])
        assert live.head() == before, (case.method, path, status, "a refused request changed state")
