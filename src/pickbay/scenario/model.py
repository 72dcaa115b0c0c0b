"""What a scenario file says: steps on a timeline of sandbox time, and what must hold.

Times are sandbox time. `at` is an offset from the start (`90`, `"90s"`, `"15m"`,
`"1h30m"`, `"2d"`), a time of day on the start's day (`"09:00"`, `"09:00:30"`, UTC), or an
ISO date and time. `every` is a duration in the same words.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pickbay.vendors.registry import NAMES, NOTIFYING

OWN = "pickbay"
APIS: tuple[str, ...] = (*NAMES, OWN)
MAX_REPEATS = 1_000_000
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
_TIME_OF_DAY = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")

Name = Annotated[str, Field(min_length=1, max_length=200)]
Duration = Annotated[
    float | str,
    Field(description='Seconds, or days, hours, minutes and seconds: "90s", "15m", "1h30m", "2d".'),
]
At = Annotated[
    float | str,
    Field(
        description='Sandbox time: an offset from the start (a duration: 0, "15m", "2h"), a '
        'time of day on the start\'s day ("09:00", UTC), or an ISO date and time.'
    ),
]


def seconds_of(value: float | str) -> float:
    """A duration in seconds (ValueError if it is not one)."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number or a text such as 15m")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration is not negative")
        return float(value)
    match = _DURATION.match(value.strip())
    if not value.strip() or match is None:
        raise ValueError(f'{value!r} is no duration (write "90s", "15m", "1h30m" or "2d")')
    d, h, m, s = match.groups()
    return int(d or 0) * 86400 + int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)


def time_of(value: float | str, start: datetime) -> datetime:
    """The sandbox time `value` names, for a scenario that starts at `start`."""
    if isinstance(value, str):
        day = _TIME_OF_DAY.match(value.strip())
        if day is not None:
            h, m, s = (int(x or 0) for x in day.groups())
            if h > 23 or m > 59 or s > 59:
                raise ValueError(f"{value!r} is no time of day")
            return start.replace(hour=h, minute=m, second=s, microsecond=0)
        if "T" in value:
            return _aware(datetime.fromisoformat(value.strip()))
    return start + timedelta(seconds=seconds_of(value))


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Call(_Strict):
    """One request, made as a client of that API would make it."""

    api: Literal[APIS] = Field(  # type: ignore[valid-type]
        description="Whose API: a vendor's (its client signs in as `as`), or `pickbay`'s own "
        "(with the admin token)."
    )
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(
        pattern=r"^/[^\s]*$",
        max_length=2000,
        description="The full path and query. `{n}` (`{n:4}` zero-padded) is the repeat's "
        "number from 1, `{date}` and `{now}` the sandbox date and time (`{date+30}` 30 days "
        "later), and a name an earlier step captured is its value.",
    )
    body: Any = Field(default=None, description="Sent as JSON; templated as `path` is.")
    form: dict[str, str] | None = Field(default=None, description="Sent urlencoded instead.")
    as_: Name = Field(
        default="scenario",
        alias="as",
        description="Pickup Cloud: the tenant whose key is used; ItemPath and GreyMatter: the "
        "user who signs in (made by the runner through pickbay's own API).",
    )
    status: list[Annotated[int, Field(ge=100, le=599)]] | None = Field(
        default=None, min_length=1, description="The statuses expected; any 2xx if not given."
    )
    capture: dict[Annotated[str, Field(pattern=r"^[A-Za-z_](?:\w|\{n(?::\d+)?\})*$")], str] = Field(
        default_factory=dict,
        description='Names for values of the JSON answer, by dotted path ("id", "orders.0.id"); '
        'a name may hold `{n}` ("sr{n}": one name per repeat).',
    )

    @model_validator(mode="after")
    def _one_body(self) -> Call:
        if self.body is not None and self.form is not None:
            raise ValueError("a call sends a body or a form, not both")
        return self


class Step(_Strict):
    """Something that happens at a time: a request, or a fault (the body of
    `POST /pickbay/v1/faults`; `at` and `seed` default to the step's time and the scenario's
    seed)."""

    name: Name | None = None
    at: At = 0
    every: Duration | None = Field(default=None, description="Repeat this often.")
    count: Annotated[int, Field(ge=1, le=MAX_REPEATS)] = Field(
        default=1, description="How many times, `every` apart."
    )
    request: Call | None = None
    fault: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if (self.request is None) == (self.fault is None):
            raise ValueError("a step has a request or a fault, one of them")
        if self.count > 1 and self.every is None:
            raise ValueError("a step repeated (count > 1) says how often (every)")
        if self.fault is not None and self.count > 1:
            raise ValueError("a fault step happens once")
        return self

    @field_validator("every")
    @classmethod
    def _positive(cls, value: float | str | None) -> float | str | None:
        if value is not None and seconds_of(value) <= 0:
            raise ValueError("every is longer than nothing")
        return value


class OrdersCheck(_Strict):
    """Orders of one API on pickbay's board, by number (`*` matches any run of characters)."""

    api: Literal[NAMES]  # type: ignore[valid-type]
    number: Name = "*"
    tenant: Name | None = None
    state: Name | None = Field(default=None, description="every order found is in this state")
    count: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="exactly this many are found (at least one if not given)"
    )


class EventsCheck(_Strict):
    """Events the scenario's run wrote to the log."""

    type: Name | None = None
    api: Literal[APIS] | None = Field(default=None, description="the event's dialect")  # type: ignore[valid-type]
    payload: dict[str, Any] = Field(
        default_factory=dict, description="values the payload holds (a part of it)"
    )
    count: Annotated[int, Field(ge=0)] | None = None
    min: Annotated[int, Field(ge=0)] | None = None
    max: Annotated[int, Field(ge=0)] | None = None


class NotificationsCheck(_Strict):
    """Deliveries of one of the scenario's webhooks."""

    webhook: Name
    delivered: Annotated[int, Field(ge=0)] = Field(description="at least this many delivered")
    pending: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="at most this many still pending"
    )


class Expect(_Strict):
    """What must hold at a time (at the end if no `at`): one of `orders`, `events`,
    `notifications`, or a `request` whose answer has `status` and holds `answer`."""

    name: Name | None = None
    at: At | None = None
    orders: OrdersCheck | None = None
    events: EventsCheck | None = None
    notifications: NotificationsCheck | None = None
    request: Call | None = None
    answer: Any = Field(default=None, description="values the JSON answer holds (a part of it)")

    @model_validator(mode="after")
    def _one_check(self) -> Expect:
        checks = [self.orders, self.events, self.notifications, self.request]
        if sum(c is not None for c in checks) != 1:
            raise ValueError("an expectation checks one of orders, events, notifications, request")
        if self.answer is not None and self.request is None:
            raise ValueError("answer goes with request")
        return self


class Webhook(_Strict):
    """A webhook subscription the scenario makes before its first step."""

    name: Name
    api: Literal[NOTIFYING]  # type: ignore[valid-type]
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)]


class Scenario(_Strict):
    """A run: where the clock starts, what happens when, and what must hold."""

    name: Name
    description: str | None = None
    start: datetime | None = Field(
        default=None,
        description="Where the sandbox clock starts (on a fresh server), or a time the given "
        "server's clock has not passed. Now on a given server, if not given.",
    )
    end: At | None = Field(default=None, description="Run the clock until here at least.")
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = Field(
        default=0, description="The seed of every fault that names none."
    )
    webhooks: list[Webhook] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    expect: list[Expect] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _start_aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)

    @model_validator(mode="after")
    def _times(self) -> Scenario:
        base = self.start or datetime(2000, 1, 1, tzinfo=UTC)
        for where, value in [
            ("end", self.end),
            *((f"steps[{i}].at", s.at) for i, s in enumerate(self.steps)),
            *((f"expect[{i}].at", e.at) for i, e in enumerate(self.expect)),
        ]:
            if value is not None:
                try:
                    time_of(value, base)
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from None
        names = [w.name for w in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError("webhook names are unique")
        for i, e in enumerate(self.expect):
            if e.notifications is not None and e.notifications.webhook not in names:
                raise ValueError(f"expect[{i}]: no webhook is named {e.notifications.webhook!r}")
        return self


def schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file."""
    out = Scenario.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "pickbay scenario"
    return out
