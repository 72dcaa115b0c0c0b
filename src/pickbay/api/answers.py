"""The shapes of pickbay's own answers, for its OpenAPI document (the routes write them with
their view functions; the document and the suite hold the two together)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

Time = str  # ISO 8601 with offset


class Health(BaseModel):
    """The process serves requests."""

    status: str
    version: str


class Readiness(BaseModel):
    """Whether the process reaches what it needs ("ok", or what is wrong)."""

    status: str = Field(examples=["ready"])
    database: str
    backplane: str


class ClockView(BaseModel):
    """The sandbox clock."""

    now: Time
    paused: bool
    speed: float
    virtual: bool = Field(description="Whether the clock is not the wall clock.")
    timersFired: int | None = Field(default=None, description="Fast-forward only.")


class Process(BaseModel):
    """A live process of the deployment."""

    id: str
    host: str
    pid: int
    startedAt: Time
    seenAt: Time
    clockVersion: int
    relayCursor: int
    relayLag: int
    connections: int = Field(description="The realtime (SignalR) connections it holds")
    roles: list[str]


class Role(BaseModel):
    """A role held by lease (the scheduler, the webhook sender)."""

    role: str
    holder: str | None
    lastHolder: str
    token: int = Field(description="The fencing token; it grows with every new holder.")
    since: Time
    expiresAt: Time
    progressAt: Time | None


class Cluster(BaseModel):
    """The deployment as the answering process sees it."""

    process: str
    processes: list[Process]
    roles: list[Role]
    log: dict[str, int]
    webhooks: dict[str, Any]
    timers: dict[str, Any]


class Key(BaseModel):
    """A tenant's new API key (shown once)."""

    tenant: str
    origin: str | None = Field(description="The API client the key speaks as, if any")
    key: str


class Subscription(BaseModel):
    """A webhook subscription (its secret only when it is created)."""

    id: int
    url: str
    dialect: str
    createdAt: Time
    secret: str | None = None


class Subscriptions(BaseModel):
    """Every subscription."""

    webhooks: list[Subscription]


class Attempt(BaseModel):
    """One POST of a delivery."""

    at: Time
    status: int | None
    error: str | None
    durationMs: float


class Delivery(BaseModel):
    """A notification for one subscription, and how its delivery went."""

    id: int
    notificationId: str
    eventSeq: int
    redeliveryOf: int | None
    state: str = Field(examples=["delivered"], description="pending, delivered or dropped")
    attempts: int
    nextAttemptAt: Time | None
    createdAt: Time
    deliveredAt: Time | None
    lastStatus: int | None
    lastError: str | None
    body: Any = Field(default=None, description="One delivery only: what is sent.")
    attemptLog: list[Attempt] | None = Field(default=None, description="One delivery only.")


class Deliveries(BaseModel):
    """A page of the delivery log, newest first."""

    deliveries: list[Delivery]


class Summary(BaseModel):
    """An order of any vendor, as the board lists it."""

    id: int
    dialect: str
    tenant: str
    number: str
    kind: str
    state: str
    createdAt: Time
    updatedAt: Time | None
    version: int


class Board(BaseModel):
    """A page of the board, newest first."""

    orders: list[Summary]
    seq: int | None = Field(
        default=None, description="The event feed position the page is at least as new as."
    )
    next: int | None = Field(default=None, description="The `before` of the next page.")


class Facet(BaseModel):
    """What a vendor's orders can be filtered by."""

    title: str
    states: list[str]
    tenants: list[str]
    console: str | None


class Facets(BaseModel):
    """Each vendor's filters."""

    dialects: dict[str, Facet]


class BoardLine(BaseModel):
    """An order line in the same shape for every vendor (and vendor-specific keys)."""

    key: str
    sku: str
    name: str
    quantity: float
    done: float
    state: str


class Detail(BaseModel):
    """An order in full: its summary, its lines, the triggers allowed now, the vendor's view."""

    order: Summary
    lines: list[BoardLine]
    triggers: list[str]
    native: dict[str, Any]


class Event(BaseModel):
    """One event of the log."""

    seq: int
    type: str
    at: Time
    dialect: str | None
    tenant: str | None
    orderId: int | None
    payload: dict[str, Any]


class Events(BaseModel):
    """A page of the event feed."""

    events: list[Event]
    next: int = Field(description="Ask again with since=next.")
    more: bool


class UserSaved(BaseModel):
    """A vendor user added, or its password reset."""

    username: str
    saved: bool = Field(description="true when the user is new")


class Fault(BaseModel):
    """An injected fault: scope, target, effect, window, and how often it matched and fired."""

    id: int
    vendor: str | None
    method: str | None
    path: str
    tenant: str | None
    offline: bool = Field(description="An outage of the vendor's machine")
    drop: bool = Field(description="Realtime connections dropped once")
    webhook: str | None = Field(description="duplicate or late notifications")
    lateSeconds: float | None
    pick: str | None = Field(description="What the machine's operator does wrong at a pick")
    quantity: int | None = Field(description="By how many eaches or units, for `pick`")
    slow: float | None = Field(description="The machine's steps take this many times as long")
    pushDelayMs: int | None = Field(description="Realtime pushes arrive this late")
    status: int | None
    delayMs: int
    retryAfter: int | None
    startsAt: Time
    endsAt: Time | None
    remaining: int | None = Field(description="Matching requests it still applies to")
    probability: float
    seed: int
    matched: int
    fired: int
    createdAt: Time


class FaultList(BaseModel):
    """Every fault."""

    faults: list[Fault]


class Cleared(BaseModel):
    """How many went."""

    deleted: int
