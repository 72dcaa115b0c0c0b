"""A property-based fuzz of every operation of each API's own document, against a live server
on SQLite and on PostgreSQL: the checks schemathesis has (each status, media type and body as
documented, bad input refused, good input accepted, credentials enforced), no 5xx but the
documented `$fail` demo, every refusal in the called API's own error format, and nothing
changed by a refused request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi import checks

from pickbay import testing
from pickbay.app import create_app
from tests.conftest import asyncpg_url, create_postgres_database, drop_postgres_database, run_alone

# Operations left out: the clock (running it fires steps that change state by themselves) and
# the endless event stream.
OAUTH = "/api-gateway/auth-service/"
SKIP = ("/pickbay/v1/clock", "/pickbay/v1/events/stream")
DOCUMENTS = create_app(testing.settings("sqlite+aiosqlite://")).state.documents()
# Rules no schema can state (they depend on the sandbox clock or on what is stored): a request
# the document allows may be refused there, with a 400 that names the rule.
RULES = {
    "/api/v2/recurrentorders": "startDate from today, endDate after today",
    "/pickbay/v1/labels/{symbology}.{fmt}": "DataMatrix labels hold ASCII text only",
    "/api/orders": "each line names a material that exists; filters follow their grammar",
    "/api/order_lines": "the line names a material that exists; filters follow their grammar",
    "/api/materials": "filters follow their grammar (by the field's kind)",
    "/api/transactions": "filters follow their grammar (by the field's kind)",
    "/api/storage_units": "filters follow their grammar (by the field's kind)",
    "/api-gateway/sr-service/platform-srms/service-request": (
        "a taken externalServiceRequestId is bad data, as the platform says; PICK_LINEs go "
        "under a PICK and PUT_LINEs under a PUT; each line id once"
    ),
    "/api-gateway/sr-service/platform-srms/service-request/modify": (
        "the lines' types follow the request's; each line id once"
    ),
}
# ItemPath answers a clash with what is stored (a taken name) with 422, where the others say
# 409; and a malformed token with 422, as Flask-JWT-Extended does, where the auth check
# expects 401 or 403 (tests/vendors/itempath covers both).
CLASH = {api: "422" if api == "itempath" else "409" for api in DOCUMENTS}
LOOSE = {"itempath": (checks.ignored_auth,)}


def _expected(api: str, path: str) -> list[str]:
    statuses = ["2xx", "401", "404", CLASH[api]]
    return [*statuses, "400"] if path in RULES else statuses


# Generated cases only (valid by the documents and not), eight per operation and mode on each
# database, NUL characters included: about a minute in all.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": 8, "mode": "all", "allow-x00": True},
        "operations": [
            {
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": _expected(api, path)}},
            }
            for api, doc in DOCUMENTS.items()
            for path in doc["paths"]
        ],
    }
)


def _schema(api: str) -> Any:
    return schemathesis.openapi.from_dict(DOCUMENTS[api], config=CONFIG).exclude(
        path_regex="^(" + "|".join(SKIP) + ")"
    )


pickup_cloud, itempath, greymatter, own = (
    _schema(api) for api in ("pickup-cloud", "itempath", "greymatter", "pickbay")
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
        self.refresh = {"Authorization": "Bearer " + login.json()["refreshToken"]}

    def headers(self, path: str) -> dict[str, str]:
        """What the operation at `path` authenticates with."""
        if path.startswith("/api/v2/"):
            return {"x-api-key": "dev"}
        if path == "/api/users/refresh":
            return self.refresh
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


FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


def holds(api: str, case: Any, live: Live) -> None:
    """One generated request: answered as documented, and no harm done."""
    path = case.operation.path
    headers = live.headers(path)
    before = live.head()
    response = case.call(base_url=live.url, headers=headers, timeout=30)
    if path.startswith("/pickbay/v1/faults"):
        # A generated fault would change what every later case meets: none outlives its case.
        httpx.delete(live.url + "/pickbay/v1/faults", headers=live.headers(path))
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
    if demo:
        return
    excluded = list(LOOSE.get(api, ()))
    # Every API refuses NUL in any string (each document says so); JSON Schema counts 1.0 as
    # an integer where the vendors' parsers (System.Text.Json, ...) and pickbay refuse it.
    sent = (case.body, case.query, case.path_parameters, case.headers)
    if _whole_float(case.body) or "\\x00" in repr(sent):
        excluded.append(checks.positive_data_acceptance)
    # The credentials sent replace the case's headers, which undoes a negated header.
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and header.mode.is_negative:
        excluded.append(checks.negative_data_rejection)
    case.validate_response(
        response, headers=headers, transport_kwargs={"base_url": live.url}, excluded_checks=excluded
    )


def _whole_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_whole_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_whole_float(v) for v in value)
    return False


@pickup_cloud.parametrize()
@FUZZ
def test_pickup_cloud_holds_under_generated_input(case: Any, live: Live) -> None:
    holds("pickup-cloud", case, live)


@itempath.parametrize()
@FUZZ
def test_itempath_holds_under_generated_input(case: Any, live: Live) -> None:
    holds("itempath", case, live)


@greymatter.parametrize()
@FUZZ
def test_greymatter_holds_under_generated_input(case: Any, live: Live) -> None:
    holds("greymatter", case, live)


@own.parametrize()
@FUZZ
def test_own_api_holds_under_generated_input(case: Any, live: Live) -> None:
    holds("pickbay", case, live)
