"""The seed audit, kept: every example response of the vendor documents pickbay was specified
from, replayed against pickbay and compared key by key (order, types and values).

`seed_examples.json` holds each example as the documents print it, the requests that lead to
it, the places whose values cannot match (ids, times, codes: there both values must have the
same form, named below) and the places where pickbay knowingly answers otherwise, each with
its reason.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pickbay.app import create_app
from pickbay.runtime import Runtime
from tests.conftest import T0, paused_clock, settings_for
from tests.webhooks.receiver import Receiver

CASES = json.loads((Path(__file__).parent / "seed_examples.json").read_text())


def _matches(pattern: str) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and re.fullmatch(pattern, value) is not None


FORMS: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "text": lambda v: isinstance(v, str) and v != "",
    "guid": _matches(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"),
    # SQL Server's datetime as Power Pick's API prints it: 1/300 s steps, six digits.
    "power-pick-time": _matches(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d[037]000"),
    # A DateTimeOffset as ASP.NET Core writes one.
    "net-time": _matches(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00"),
    # A Java LocalDateTime: milliseconds at most, trailing zeros (and a zero fraction) left out.
    "java-time": _matches(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,2}[1-9])?"),
    "pickup-code": _matches(r"customer_[0-9A-F]{32}"),
    "digits": _matches(r"[0-9]+"),
    # `<source>:<hex>`; pickbay's hex is longer than the examples' 8 digits (docs/greymatter.md).
    "notification-id": _matches(r"[a-z_]+:[0-9a-f]{8,}"),
    "zulu-time": _matches(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    "storage-code": _matches(r"pickup_[0-9A-F]{32}"),
    # The seat of the station that `pps_id` names.
    "seat-name": _matches(r"front_[0-9]+"),
}


def _place(path: tuple[str, ...]) -> str:
    return ".".join(path)


def _rule(table: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The entry of `table` naming `path`, where `*` stands for any list index."""
    general = tuple("*" if p.isdigit() else p for p in path)
    for key, value in table.items():
        parts = tuple(key.split("."))
        if parts == general[: len(parts)]:
            return value
    return None


def compare(
    expected: Any, actual: Any, varies: dict[str, str], differs: dict[str, str]
) -> list[str]:
    """Every way `actual` departs from the example `expected`, and every rule left unused."""
    problems: list[str] = []
    used: set[str] = set()

    def walk(e: Any, a: Any, path: tuple[str, ...]) -> None:
        reason = _rule(differs, path)
        if reason is not None:
            used.add(reason)
            return
        form = _rule(varies, path) if path else None
        if form is not None:
            if not FORMS[form](e):
                problems.append(f"{_place(path)}: the example's {e!r} is no {form}")
            if not FORMS[form](a):
                problems.append(f"{_place(path)}: {a!r} is no {form}")
            return
        if isinstance(e, dict):
            if not isinstance(a, dict):
                problems.append(f"{_place(path)}: an object in the example, {a!r} here")
                return
            if list(e) != list(a):
                problems.append(f"{_place(path)}: keys {list(e)} in the example, {list(a)} here")
            for key in e:
                if key in a:
                    walk(e[key], a[key], (*path, key))
            return
        if isinstance(e, list):
            if not isinstance(a, list) or len(e) != len(a):
                problems.append(f"{_place(path)}: {len(e)} items in the example, {a!r} here")
                return
            for n, (x, y) in enumerate(zip(e, a, strict=True)):
                walk(x, y, (*path, str(n)))
            return
        if type(e) is not type(a) or e != a:
            problems.append(f"{_place(path)}: {e!r} in the example, {a!r} here")

    walk(expected, actual, ())
    gone = [key for key, reason in differs.items() if reason not in used]
    problems += [f"{key}: a known difference that no longer occurs" for key in gone]
    return problems


@pytest.fixture
async def sandbox(
    request: pytest.FixtureRequest, sqlite_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """pickbay on a clock paused where the case asks (the seed's own dates) or at T0."""
    case = request.param
    start = datetime.fromisoformat(case["clock"]) if "clock" in case else T0
    rt = Runtime(settings_for(sqlite_url), clock=paused_clock(start))
    app = create_app(runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pickbay.test") as c:
            yield c


async def _headers(client: httpx.AsyncClient, path: str) -> dict[str, str]:
    if path.startswith("/api/v2/"):
        return {"x-api-key": "dev"}
    if path.startswith("/api-gateway/"):
        return {"Authorization": "Bearer dev"}
    login = {"username": "admin", "password": "admin"}
    token = (await client.post("/api/users/login", json=login)).json()["accessToken"]
    return {"Authorization": f"Bearer {token}"}


def _at(document: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        document = document[part]
    return document


@pytest.mark.parametrize("sandbox", CASES, ids=[c["case"] for c in CASES], indirect=True)
async def test_the_seed_example_comes_back(
    sandbox: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    case = request.node.callspec.params["sandbox"]
    saved: dict[str, str] = {}
    answer: httpx.Response | None = None
    for step in case["steps"]:
        path = step["path"].format(**saved)
        headers = await _headers(sandbox, path)
        answer = await sandbox.request(step["method"], path, json=step.get("json"), headers=headers)
        assert answer.status_code == 200, (case["case"], path, answer.text)
        for name, where in step.get("save", {}).items():
            saved[name] = _at(answer.json(), where)
    assert answer is not None
    problems = compare(case["expect"], answer.json(), case["varies"], case.get("differs", {}))
    assert not problems, "\n".join([f"{case['case']} ({case['source']}):", *problems])


NOTIFICATIONS = json.loads((Path(__file__).parent / "seed_notifications.json").read_text())


@pytest.mark.parametrize(
    "sandbox", NOTIFICATIONS, ids=[c["case"] for c in NOTIFICATIONS], indirect=True
)
async def test_the_seed_notification_comes(
    sandbox: httpx.AsyncClient, receiver: Receiver, request: pytest.FixtureRequest
) -> None:
    case = request.node.callspec.params["sandbox"]
    admin = {"Authorization": "Bearer dev"}
    r = await sandbox.post("/pickbay/v1/webhooks", json={"url": receiver.url}, headers=admin)
    assert r.status_code == 201
    saved: dict[str, Any] = {}

    async def run(steps: list[dict[str, Any]]) -> None:
        for step in steps:
            path = step["path"].format(**saved)
            answer = await sandbox.request(step["method"], path, json=step["json"], headers=admin)
            assert answer.status_code == 200, answer.text
            for name, where in step.get("save", {}).items():
                saved[name] = _at(answer.json(), where)

    await run(case["steps"])
    for seconds in case["advance"]:
        r = await sandbox.post(
            "/pickbay/v1/clock/advance", json={"seconds": seconds}, headers=admin
        )
        assert r.status_code == 200
    await run(case.get("then", []))  # the operator's own actions, at the time reached
    wanted = case["notification"]

    def chosen() -> list[dict[str, Any]]:
        return [
            n
            for n in receiver.received
            if n["notification_type"] == wanted["type"]
            and n["notification_data"].get("externalServiceRequestId") == wanted["external"]
            and n["notification_data"].get("state") == wanted["state"]
        ]

    nth = wanted.get("nth", 0)  # which of the notifications in that state
    async with asyncio.timeout(15):
        while len(chosen()) <= nth:
            await receiver.wait_for(len(receiver.received) + 1)
    problems = compare(case["expect"], chosen()[nth], case["varies"], case.get("differs", {}))
    assert not problems, "\n".join([f"{case['case']} ({case['source']}):", *problems])
