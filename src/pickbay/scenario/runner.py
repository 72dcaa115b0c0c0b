"""Plays a scenario against a pickbay through its public APIs, on its clock.

The runner pauses the clock, fast-forwards it to each step's time (every timer due on the way
fires first, in order), makes the step's requests as the vendor's client would, and checks
each expectation at its time. Vendor clients sign in the way the vendor's API wants
(`Vendor.sign_in`), with credentials the runner makes through pickbay's own API, and sign in
again once when an answer is 401 (a token that expired on the fast-forwarded clock).
"""

from __future__ import annotations

import fnmatch
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from pickbay.client import Answer, ApiError, Client
from pickbay.scenario.model import (
    OWN,
    Call,
    EventsCheck,
    Expect,
    NotificationsCheck,
    OrdersCheck,
    Scenario,
    Step,
    seconds_of,
    time_of,
)
from pickbay.scenario.report import Outcome, Report
from pickbay.vendors.registry import vendor_named

PAGE = 500
WEBHOOK_WAIT_SECONDS = 30.0  # wall time a notifications check waits for the sender
_TEMPLATE = re.compile(r"\{([A-Za-z_]\w*)(?:([+-]\d+))?(?::(\d+))?\}")
_WHOLE = re.compile(r"^\{([A-Za-z_]\w*)\}$")


class ScenarioError(Exception):
    """The scenario cannot be read or cannot run (not an expectation that failed)."""


def load(path: Path) -> Scenario:
    """Read and validate a scenario file (YAML, or JSON, which YAML reads too)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc}") from None
    return parse(data, str(path))


def parse(data: Any, where: str = "scenario") -> Scenario:
    """Validate a scenario given as data."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        ]
        raise ScenarioError(f"{where} is not a valid scenario:\n" + "\n".join(lines)) from None


@dataclass(order=True)
class _Due:
    at: datetime
    kind: int  # steps (0) before expectations (1) at the same time
    index: int
    repeat: int = 0
    item: Step | Expect | None = field(default=None, compare=False)


class Runner:
    """One run of one scenario against the server behind `client`."""

    def __init__(
        self, scenario: Scenario, client: Client, *, webhook_wait: float = WEBHOOK_WAIT_SECONDS
    ) -> None:
        self.scenario = scenario
        self.client = client
        self.webhook_wait = webhook_wait
        self.report = Report(scenario.name)
        self._headers: dict[tuple[str, str], dict[str, str]] = {}
        self._vars: dict[str, Any] = {}
        self._webhooks: dict[str, int] = {}
        self._now: datetime | None = None
        self._first_seq = 0
        self._step_outcomes: dict[int, Outcome] = {}

    def run(self) -> Report:
        """Play every step and check every expectation; the report says what held."""
        wall = time.perf_counter()
        start = self._start_clock()
        self._first_seq = self._head()
        self.report.first_seq = self._first_seq
        self.report.started = start
        for hook in self.scenario.webhooks:
            made = self.client.own("POST", "/webhooks", {"url": hook.url, "dialect": hook.api})
            self._webhooks[hook.name] = int(made["id"])
        timeline = list(self._timeline(start))
        end = max([d.at for d in timeline] + [start])
        if self.scenario.end is not None:
            end = max(end, time_of(self.scenario.end, start))
        for due in sorted(timeline):
            self._advance_to(due.at)
            if isinstance(due.item, Step):
                self._step(due.index, due.repeat, due.item)
            elif isinstance(due.item, Expect):
                self._check(due.index, due.item)
        self._advance_to(end)
        for i, expect in enumerate(self.scenario.expect):
            if expect.at is None:
                self._check(i, expect)
        self.report.ended = self._now
        self.report.events = self._head() - self._first_seq
        self.report.wall_seconds = time.perf_counter() - wall
        return self.report

    # ------------------------------------------------------------------ the clock

    def _start_clock(self) -> datetime:
        now = datetime.fromisoformat(self.client.own("POST", "/clock", {"paused": True})["now"])
        self._now = now
        start = self.scenario.start or now
        if start < now:
            raise ScenarioError(
                f"the server's clock ({now.isoformat()}) is past the scenario's start "
                f"({start.isoformat()}); run it on a fresh server, or without a start"
            )
        self._advance_to(start)
        return start

    def _advance_to(self, at: datetime) -> None:
        assert self._now is not None
        if at > self._now:
            seconds = (at - self._now).total_seconds()
            answer = self.client.own("POST", "/clock/advance", {"seconds": seconds})
            self.report.timers += int(answer.get("timersFired", 0))
            self._now = datetime.fromisoformat(answer["now"])

    def _timeline(self, start: datetime) -> Iterator[_Due]:
        for i, step in enumerate(self.scenario.steps):
            first = time_of(step.at, start)
            every = seconds_of(step.every) if step.every is not None else 0.0
            for k in range(step.count):
                yield _Due(first + timedelta(seconds=every * k), 0, i, k, step)
        for i, expect in enumerate(self.scenario.expect):
            if expect.at is not None:
                yield _Due(time_of(expect.at, start), 1, i, 0, expect)

    def _head(self) -> int:
        seq = self.client.own("GET", "/orders?limit=1")["seq"]
        return int(seq or 0)

    # ------------------------------------------------------------------ steps

    def _step(self, index: int, repeat: int, step: Step) -> None:
        outcome = self._step_outcomes.get(index)
        if outcome is None:
            name = step.name or _describe_step(step)
            outcome = self.report.add(f"step {index + 1}: {name}", "step")
            self._step_outcomes[index] = outcome
        try:
            if step.fault is not None:  # from now, the step's time, unless it says when
                body = {"seed": self.scenario.seed, **step.fault}
                self.client.own("POST", "/faults", self._fill(body, repeat))
                outcome.sent += 1
                return
            assert step.request is not None
            answer = self._call(step.request, repeat)
            outcome.sent += 1
            if not _status_ok(step.request, answer.status):
                outcome.fail(f"#{repeat + 1} at {self._stamp()}: {answer.status} {answer.text}")
                return
            self._capture(step.request, answer, repeat)
        except (ScenarioError, ApiError) as exc:  # a sign-in refused is the step's failure
            outcome.fail(f"#{repeat + 1} at {self._stamp()}: {exc}")

    def _call(self, call: Call, repeat: int) -> Answer:
        path = self._fill(call.path, repeat)
        body = self._fill(call.body, repeat)
        form = self._fill(call.form, repeat)
        self.report.requests += 1
        answer = self.client.call(
            call.method, path, body=body, form=form, headers=self._credentials(call)
        )
        if answer.status == 401 and call.api != OWN:
            self._headers.pop((call.api, call.as_), None)  # an expired token: sign in again
            self.report.requests += 1
            answer = self.client.call(
                call.method, path, body=body, form=form, headers=self._credentials(call)
            )
        return answer

    def _credentials(self, call: Call) -> dict[str, str]:
        if call.api == OWN:
            return {"Authorization": f"Bearer {self.client.admin_token}"}
        key = (call.api, call.as_)
        if key not in self._headers:
            self._headers[key] = vendor_named(call.api).sign_in(self.client, call.as_)
        return self._headers[key]

    def _capture(self, call: Call, answer: Answer, repeat: int) -> None:
        if not call.capture:
            return
        data = answer.json()
        for name, path in call.capture.items():
            found, value = _dig(data, path)
            if not found:
                raise ScenarioError(f"the answer has no {path!r} to capture as {name!r}")
            self._vars[self._fill(name, repeat)] = value

    def _fill(self, value: Any, repeat: int) -> Any:
        """`value` with its templates filled in."""
        if isinstance(value, str):
            names = {"n": repeat + 1, **self._vars}
            whole = _WHOLE.match(value)
            if whole is not None and whole.group(1) in names:
                return names[whole.group(1)]  # a captured number stays a number

            def one(m: re.Match[str]) -> str:
                name, days, width = m.groups()
                assert self._now is not None
                if name in ("date", "now"):  # the sandbox's, `days` later
                    at = self._now + timedelta(days=int(days or 0))
                    return at.date().isoformat() if name == "date" else at.isoformat()
                if name not in names or days is not None:
                    raise ScenarioError(f"{m.group(0)}: nothing has that name")
                return str(names[name]).zfill(int(width or 0))

            return _TEMPLATE.sub(one, value)
        if isinstance(value, list):
            return [self._fill(v, repeat) for v in value]
        if isinstance(value, dict):
            return {k: self._fill(v, repeat) for k, v in value.items()}
        return value

    def _stamp(self) -> str:
        return self._now.isoformat() if self._now else ""

    # ------------------------------------------------------------------ expectations

    def _check(self, index: int, expect: Expect) -> None:
        name = expect.name or _describe_expect(expect)
        outcome = self.report.add(f"expect {index + 1}: {name}", "expect", at=self._stamp())
        try:
            problem = self._problem(expect)
        except (ScenarioError, ApiError) as exc:
            problem = str(exc)
        if problem is not None:
            outcome.fail(problem)

    def _problem(self, expect: Expect) -> str | None:
        if expect.orders is not None:
            return self._orders_problem(expect.orders)
        if expect.events is not None:
            return self._events_problem(expect.events)
        if expect.notifications is not None:
            return self._notifications_problem(expect.notifications)
        assert expect.request is not None
        answer = self._call(expect.request, 0)
        if not _status_ok(expect.request, answer.status):
            return f"answered {answer.status}: {answer.text[:500]}"
        if expect.answer is not None and not _holds(answer.json(), expect.answer):
            return f"the answer {answer.text[:1000]} does not hold {json.dumps(expect.answer)}"
        return None

    def _orders_problem(self, check: OrdersCheck) -> str | None:
        found = [
            o
            for o in self._board(check.api, check.tenant)
            if fnmatch.fnmatchcase(o["number"], check.number)
        ]
        if check.count is not None and len(found) != check.count:
            return f"{len(found)} orders numbered {check.number!r}, not {check.count}"
        if check.count is None and not found:
            return f"no {check.api} order numbered {check.number!r}"
        if check.state is not None:
            off = [o for o in found if o["state"] != check.state]
            if off:
                shown = ", ".join(f"{o['number']} {o['state']}" for o in off[:10])
                more = f" and {len(off) - 10} more" if len(off) > 10 else ""
                return f"{len(off)} of {len(found)} not {check.state}: {shown}{more}"
        return None

    def _board(self, api: str, tenant: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        before: int | None = None
        while True:
            query = f"/orders?dialect={api}&limit={PAGE}"
            if tenant is not None:
                query += "&tenant=" + quote(tenant, safe="")
            if before is not None:
                query += f"&before={before}"
            page = self.client.own("GET", query)
            out.extend(page["orders"])
            before = page["next"]
            if before is None:
                return out

    def _events_problem(self, check: EventsCheck) -> str | None:
        n = sum(
            1
            for e in events(self.client, self._first_seq, check.api)
            if (check.type is None or e["type"] == check.type)
            and _holds(e["payload"], check.payload)
        )
        what = f"{n} events" + (f" of type {check.type}" if check.type else "")
        if check.count is not None and n != check.count:
            return f"{what}, not {check.count}"
        if check.min is not None and n < check.min:
            return f"{what}, fewer than {check.min}"
        if check.max is not None and n > check.max:
            return f"{what}, more than {check.max}"
        if check.count is None and check.min is None and check.max is None and n == 0:
            return f"no events of type {check.type}"
        return None

    def _notifications_problem(self, check: NotificationsCheck) -> str | None:
        hook = self._webhooks[check.webhook]
        deadline = time.monotonic() + self.webhook_wait
        while True:  # the sender works in wall time: wait for it, within bounds
            delivered, pending = self._count(hook, "delivered"), self._count(hook, "pending")
            done = delivered >= check.delivered and (
                check.pending is None or pending <= check.pending
            )
            if done:
                return None
            if time.monotonic() > deadline:
                return (
                    f"{delivered} delivered and {pending} pending after "
                    f"{self.webhook_wait:g} s of waiting, not at least {check.delivered}"
                    + ("" if check.pending is None else f" and at most {check.pending} pending")
                )
            time.sleep(0.05)

    def _count(self, hook: int, state: str) -> int:
        n, before = 0, ""
        while True:
            query = f"/webhooks/{hook}/deliveries?state={state}&limit=1000{before}"
            rows = self.client.own("GET", query)["deliveries"]
            n += len(rows)
            if len(rows) < 1000:
                return n
            before = f"&before={rows[-1]['id']}"


def events(client: Client, since: int, dialect: str | None = None) -> Iterator[dict[str, Any]]:
    """Every event after `since` (of one dialect, if given), oldest first."""
    while True:
        query = f"/events?since={since}&limit=1000"
        if dialect is not None:
            query += f"&dialect={dialect}"
        page = client.own("GET", query)
        yield from page["events"]
        since = page["next"]
        if not page["more"]:
            return


def _status_ok(call: Call, status: int) -> bool:
    return status in call.status if call.status else 200 <= status < 300


def _dig(data: Any, path: str) -> tuple[bool, Any]:
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdecimal() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False, None
    return True, data


def _holds(actual: Any, expected: Any) -> bool:
    """Whether `actual` holds `expected`: every key of an expected object with a value that
    holds; an expected list item for item; anything else equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _holds(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_holds(a, e) for a, e in zip(actual, expected, strict=True))
        )
    numbers = (int, float)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        # 3 holds 3.0, but true is no 1
        return isinstance(actual, bool) == isinstance(expected, bool) and actual == expected
    return type(actual) is type(expected) and bool(actual == expected)


def _describe_step(step: Step) -> str:
    if step.fault is not None:
        return "fault " + json.dumps(step.fault, sort_keys=True)[:120]
    assert step.request is not None
    times = f" x{step.count}" if step.count > 1 else ""
    return f"{step.request.api} {step.request.method} {step.request.path}{times}"


def _describe_expect(expect: Expect) -> str:
    if expect.orders is not None:
        o = expect.orders
        return f"{o.api} orders {o.number}" + (f" {o.state}" if o.state else "")
    if expect.events is not None:
        return f"events {expect.events.type or '(any)'}"
    if expect.notifications is not None:
        return f"notifications to {expect.notifications.webhook}"
    assert expect.request is not None
    return f"{expect.request.api} {expect.request.method} {expect.request.path}"
