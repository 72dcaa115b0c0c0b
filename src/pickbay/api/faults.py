"""Faults on purpose: make a vendor's API answer errors or late, for a while, for some callers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from starlette.responses import Response

from pickbay.api import answers
from pickbay.api.common import PREFIX, Admin, RowId, read_json
from pickbay.core.errors import NotFound
from pickbay.core.faults import Fault
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.store.tables import NAME_MAX
from pickbay.vendors.registry import NAMES, NOTIFYING, PICK_FAULTS, WITH_HUBS

router = APIRouter(prefix=PREFIX + "/faults", tags=["Faults"], dependencies=[Admin])
JSON = ("application/json",)
ERRORS = sorted(s.value for s in HTTPStatus if 400 <= s.value <= 599)
MAX_DELAY_MS = 600_000
PICKS = sorted({kind for kinds in PICK_FAULTS.values() for kind in kinds})
# What a fault that aims at no request leaves as it is (webhook mishaps, drops, outages).
NO_REQUEST: dict[str, JsonValue] = {
    "method": {"type": "null"},
    "path": {"const": "*"},
    "status": {"type": "null"},
    "delayMs": {"const": 0},
    "retryAfter": {"type": "null"},
}

# What every other kind of fault leaves as it is: a machine's pace and the pushes' delay.
NO_PACE: dict[str, JsonValue] = {"slow": {"type": "null"}, "pushDelayMs": {"type": "null"}}
# What a fault on a machine's steps or on pushes leaves as it is (besides another such kind).
ONLY_ITSELF: dict[str, JsonValue] = {
    "offline": {"const": False},
    "drop": {"const": False},
    "webhook": {"type": "null"},
    **NO_REQUEST,
}

# A vendor's operator does wrong only what that vendor's floor knows.
PICKS_OF_EACH: list[JsonValue] = [
    {
        "if": {
            "required": ["pick", "vendor"],
            "properties": {"pick": {"type": "string"}, "vendor": {"const": vendor}},
        },
        "then": {"properties": {"pick": {"enum": [*kinds]}}},
    }
    for vendor, kinds in PICK_FAULTS.items()
]


class FaultIn(BaseModel):
    """A fault: whose requests (scope, target), what happens (effect), and when (window)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # An effect: an error status, a delay, or both; Retry-After only with an error. Or
            # an outage of a vendor's machine, for a while, and nothing else.
            "anyOf": [
                {"required": ["status"], "properties": {"status": {"type": "integer"}}},
                {"required": ["delayMs"], "properties": {"delayMs": {"minimum": 1}}},
                {"required": ["offline"], "properties": {"offline": {"const": True}}},
                {"required": ["drop"], "properties": {"drop": {"const": True}}},
                {"required": ["webhook"], "properties": {"webhook": {"type": "string"}}},
                {"required": ["pick"], "properties": {"pick": {"type": "string"}}},
                {"required": ["slow"], "properties": {"slow": {"type": "number"}}},
                {"required": ["pushDelayMs"], "properties": {"pushDelayMs": {"type": "integer"}}},
            ],
            "allOf": [
                {
                    "if": {
                        "required": ["retryAfter"],
                        "properties": {"retryAfter": {"type": "integer"}},
                    },
                    "then": {"required": ["status"], "properties": {"status": {"type": "integer"}}},
                },
                {
                    "if": {"required": ["webhook"], "properties": {"webhook": {"type": "string"}}},
                    "then": {
                        "properties": {
                            "vendor": {"enum": [*NOTIFYING, None]},
                            "offline": {"const": False},
                            "drop": {"const": False},
                            **NO_REQUEST,
                            **NO_PACE,
                        },
                    },
                },
                {
                    "if": {
                        "required": ["lateSeconds"],
                        "properties": {"lateSeconds": {"type": "number"}},
                    },
                    "then": {
                        "required": ["webhook"],
                        "properties": {"webhook": {"const": "late"}},
                    },
                },
                {
                    "if": {"required": ["webhook"], "properties": {"webhook": {"const": "late"}}},
                    "then": {
                        "required": ["lateSeconds"],
                        "properties": {"lateSeconds": {"type": "number"}},
                    },
                },
                {
                    "if": {"required": ["drop"], "properties": {"drop": {"const": True}}},
                    "then": {
                        "required": ["vendor"],
                        "properties": {
                            "vendor": {"enum": [*WITH_HUBS]},
                            "offline": {"const": False},
                            "seconds": {"type": "null"},
                            "at": {"type": "null"},
                            **NO_REQUEST,
                            **NO_PACE,
                            "count": {"type": "null"},
                            "probability": {"const": 1},
                        },
                    },
                },
                {
                    "if": {"required": ["pick"], "properties": {"pick": {"type": "string"}}},
                    "then": {
                        "required": ["vendor"],
                        "properties": {
                            "vendor": {"enum": [*sorted(PICK_FAULTS)]},
                            "offline": {"const": False},
                            "drop": {"const": False},
                            "webhook": {"type": "null"},
                            **NO_REQUEST,
                            **NO_PACE,
                        },
                    },
                    "else": {"properties": {"quantity": {"type": "null"}}},
                },
                *PICKS_OF_EACH,
                {
                    "if": {"required": ["slow"], "properties": {"slow": {"type": "number"}}},
                    "then": {
                        "required": ["vendor"],
                        "properties": {
                            "vendor": {"type": "string"},
                            **ONLY_ITSELF,
                            "pick": {"type": "null"},
                            "pushDelayMs": {"type": "null"},
                        },
                    },
                },
                {
                    "if": {
                        "required": ["pushDelayMs"],
                        "properties": {"pushDelayMs": {"type": "integer"}},
                    },
                    "then": {
                        "required": ["vendor"],
                        "properties": {
                            "vendor": {"enum": [*WITH_HUBS]},
                            **ONLY_ITSELF,
                            "pick": {"type": "null"},
                            "slow": {"type": "null"},
                            "count": {"type": "null"},
                            "probability": {"const": 1},
                        },
                    },
                },
                {
                    "if": {"required": ["offline"], "properties": {"offline": {"const": True}}},
                    "then": {
                        "required": ["vendor", "seconds"],
                        "properties": {
                            "vendor": {"type": "string"},
                            "seconds": {"type": "number"},
                            "tenant": {"type": "null"},
                            **NO_REQUEST,
                            **NO_PACE,
                            "count": {"type": "null"},
                            "probability": {"const": 1},
                        },
                    },
                },
            ],
        },
    )
    vendor: Annotated[
        str | None,
        Field(
            description="The API it targets (default: every vendor's API; never pickbay's own)",
            json_schema_extra={"enum": [*NAMES, None]},
        ),
    ] = None
    method: Literal["GET", "POST", "PUT", "DELETE", "PATCH"] | None = None
    path: Annotated[
        str,
        Field(
            min_length=1,
            max_length=1000,
            description="The request path; `*` stands for any run of characters",
        ),
    ] = "*"
    tenant: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=NAME_MAX,
            description="Only requests made with this tenant's Pickup Cloud keys (default: all)",
        ),
    ] = None
    webhook: Annotated[
        Literal["duplicate", "late"] | None,
        Field(
            description="What happens to the vendor's webhook notifications: each sent twice"
            " (the same notification_id), or late by `lateSeconds` of sandbox time (so the"
            " request's later ones wait behind it, and other requests' overtake it)"
        ),
    ] = None
    lateSeconds: Annotated[
        float | None, Field(gt=0, le=30 * 86_400, description="How late, for `late`")
    ] = None
    pick: Annotated[
        str | None,
        Field(
            description="The vendor's machine's operator picks wrong at its next picks: "
            + "; ".join(f"{v}: {', '.join(kinds)}" for v, kinds in PICK_FAULTS.items())
            + " (by `quantity`, default 1)",
            json_schema_extra={"enum": [*PICKS, None]},
        ),
    ] = None
    quantity: Annotated[
        int | None,
        Field(ge=1, le=1_000_000, description="Eaches or units a pick goes wrong by, for `pick`"),
    ] = None
    slow: Annotated[
        float | None,
        Field(
            gt=1,
            le=1000,
            description="The vendor's simulated machine is slow: each of its steps (a robot's"
            " input or pickup, the lift's import or an operator's confirm, a rack's travel or"
            " an operator's pick) falling due in the window takes this many times as long as"
            " planned, and the order's later steps move with it",
        ),
    ] = None
    pushDelayMs: Annotated[
        int | None,
        Field(
            ge=1,
            le=MAX_DELAY_MS,
            description="The vendor's realtime pushes (to the tenant's connections, if given)"
            " arrive this late in the window, in their order",
        ),
    ] = None
    drop: Annotated[
        bool,
        Field(
            description="Drop the vendor's realtime connections (the tenant's, if given) now,"
            " once, as a network failure would; the clients reconnect"
        ),
    ] = False
    offline: Annotated[
        bool,
        Field(
            description="The vendor's simulated machine is offline for `seconds` (from `at`):"
            " it takes no step until then (an outage targets no request: with `vendor` and"
            " `seconds`, nothing else)"
        ),
    ] = False
    status: Annotated[
        int | None,
        Field(
            description="Answer this error, in the vendor's error format",
            json_schema_extra={"enum": [*ERRORS, None]},
        ),
    ] = None
    delayMs: Annotated[int, Field(ge=0, le=MAX_DELAY_MS, description="Answer this late")] = 0
    retryAfter: Annotated[
        int | None, Field(ge=0, le=86_400, description="Seconds, sent as Retry-After")
    ] = None
    at: Annotated[
        datetime | None,
        Field(description="From this time on the sandbox clock (default: now; UTC if unzoned)"),
    ] = None
    seconds: Annotated[
        float | None, Field(gt=0, le=10 * 365 * 86_400, description="For this long, from `at`")
    ] = None
    count: Annotated[
        int | None, Field(ge=1, le=1_000_000, description="For this many matching requests")
    ] = None
    probability: Annotated[
        float, Field(gt=0, le=1, description="Each matching request fires with this chance")
    ] = 1.0
    seed: Annotated[
        int, Field(ge=0, le=2_147_483_647, description="The same seed fires the same matches")
    ] = 0

    @model_validator(mode="after")
    def _effect(self) -> FaultIn:
        if self.pick is not None or self.quantity is not None:
            return self._pick()
        if self.slow is not None or self.pushDelayMs is not None:
            return self._slow()
        if self.webhook is not None or self.lateSeconds is not None:
            return self._mishap()
        if self.drop:
            return self._drop()
        if self.offline:
            return self._outage()
        if self.status is None and self.delayMs == 0:
            raise ValueError("A fault needs an effect: a status, a delayMs, or both.")
        if self.status is not None and self.status not in ERRORS:
            raise ValueError(f"{self.status} is not an HTTP error status.")
        if self.retryAfter is not None and self.status is None:
            raise ValueError("retryAfter goes with an error status.")
        if self.vendor is not None and self.vendor not in NAMES:
            raise ValueError(f"No vendor is called {self.vendor!r}.")
        return self

    def _mishap(self) -> FaultIn:
        if self.webhook is None:
            raise ValueError("lateSeconds goes with webhook: late.")
        if (self.webhook == "late") != (self.lateSeconds is not None):
            raise ValueError("A late webhook needs lateSeconds, and only it does.")
        if self.vendor is not None and self.vendor not in NOTIFYING:
            raise ValueError(f"Only {', '.join(NOTIFYING)} sends webhook notifications.")
        if self._aims_at_requests():
            raise ValueError("A webhook fault aims at notifications, not at requests.")
        if self.drop or self.offline:
            raise ValueError("A webhook fault is neither a drop nor an outage.")
        return self

    def _pick(self) -> FaultIn:
        if self.pick is None:
            raise ValueError("quantity goes with pick.")
        kinds = PICK_FAULTS.get(self.vendor or "")
        if kinds is None:
            raise ValueError(f"A pick fault names the vendor: {', '.join(PICK_FAULTS)}.")
        if self.pick not in kinds:
            raise ValueError(f"{self.vendor}'s operator can pick: {', '.join(kinds)}.")
        if self._aims_at_requests(self.webhook, self.slow, self.pushDelayMs):
            raise ValueError("A pick fault aims at the machine's picks, and nothing else.")
        if self.drop or self.offline:
            raise ValueError("A pick fault aims at the machine's picks, and nothing else.")
        return self

    def _slow(self) -> FaultIn:
        if self.slow is not None and self.pushDelayMs is not None:
            raise ValueError("A fault is slow steps or late pushes, not both.")
        if self.slow is not None and self.vendor not in NAMES:
            raise ValueError("A slow fault names the vendor whose machine is slow.")
        if self.pushDelayMs is not None:
            if self.vendor not in WITH_HUBS:
                raise ValueError(f"Only {', '.join(WITH_HUBS)} has realtime pushes to delay.")
            if self.count is not None or self.probability != 1:
                raise ValueError("A push delay holds every push in its window: no count.")
        if self._aims_at_requests(self.webhook, self.lateSeconds) or self.drop or self.offline:
            raise ValueError("A slow fault or push delay aims at nothing else.")
        return self

    def _drop(self) -> FaultIn:
        if self.vendor not in WITH_HUBS:
            raise ValueError(f"Only {', '.join(WITH_HUBS)} has realtime connections to drop.")
        if self._aims_at_requests(self.count, self.at, self.seconds):
            raise ValueError("A drop happens once, now: give it only vendor and tenant.")
        if self.probability != 1 or self.offline:
            raise ValueError("A drop has no probability and is no outage.")
        return self

    def _outage(self) -> FaultIn:
        if self.vendor not in NAMES:
            raise ValueError("An outage names the vendor whose machine goes offline.")
        if self.seconds is None:
            raise ValueError("An outage lasts `seconds` (remove it to end it early).")
        if self._aims_at_requests(self.tenant, self.count):
            raise ValueError("An outage targets no request: give it only vendor, at, seconds.")
        if self.probability != 1:
            raise ValueError("An outage has no probability.")
        return self

    def _aims_at_requests(self, *others: object) -> bool:
        """Whether it names anything a request fault has (or any of `others`)."""
        named = (self.method, self.status, self.retryAfter, *others)
        return any(x is not None for x in named) or self.path != "*" or self.delayMs != 0


def fault_view(fault: Fault) -> dict[str, Any]:
    """A fault as the API shows it, with its counts."""
    return {
        "id": fault.id,
        "vendor": fault.vendor,
        "method": fault.method,
        "path": fault.path,
        "tenant": fault.tenant,
        "offline": fault.offline,
        "drop": fault.drop,
        "webhook": fault.webhook,
        "lateSeconds": fault.late_seconds,
        "pick": fault.pick,
        "quantity": fault.pick_quantity,
        "slow": fault.slow,
        "pushDelayMs": fault.push_delay_ms,
        "status": fault.status,
        "delayMs": fault.delay_ms,
        "retryAfter": fault.retry_after,
        "startsAt": fault.starts_at.isoformat(),
        "endsAt": None if fault.ends_at is None else fault.ends_at.isoformat(),
        "remaining": fault.remaining,
        "probability": fault.probability,
        "seed": fault.seed,
        "matched": fault.matched,
        "fired": fault.fired,
        "createdAt": fault.created_at.isoformat(),
    }


@router.post(
    "",
    summary="Inject a fault",
    status_code=201,
    response_model=answers.Fault,
    openapi_extra=body_schema(FaultIn, JSON),
)
async def create_fault(request: Request) -> JsonResponse:
    """201 with the fault; it applies at once (or from `at`) in every process."""
    body = await read_json(request, FaultIn)
    rt = runtime(request)
    fault = await rt.faults.create(fault_values(body, rt.clock.now()))
    return JsonResponse(fault_view(fault), status_code=201)


def fault_values(body: FaultIn, now: datetime) -> dict[str, Any]:
    """The stored values of a fault as asked for (it starts `now` unless it says when)."""
    starts = now if body.at is None else body.at
    if starts.tzinfo is None:
        starts = starts.replace(tzinfo=UTC)
    return {
        "vendor": body.vendor,
        "method": body.method,
        "path": body.path,
        "tenant": body.tenant,
        "offline": body.offline,
        "drop": body.drop,
        "webhook": body.webhook,
        "late_seconds": body.lateSeconds,
        "pick": body.pick,
        "pick_quantity": None if body.pick is None else body.quantity or 1,
        "slow": body.slow,
        "push_delay_ms": body.pushDelayMs,
        "status": body.status,
        "delay_ms": body.delayMs,
        "retry_after": body.retryAfter,
        "starts_at": starts,
        "ends_at": None if body.seconds is None else starts + timedelta(seconds=body.seconds),
        "remaining": body.count,
        "probability": body.probability,
        "seed": body.seed,
    }


@router.get("", summary="List faults", response_model=answers.FaultList)
async def list_faults(request: Request) -> JsonResponse:
    """Every fault with how often it matched and fired, oldest first."""
    faults = await runtime(request).faults.list()
    return JsonResponse({"faults": [fault_view(f) for f in faults]})


@router.get("/{fault_id}", summary="One fault", response_model=answers.Fault)
async def show_fault(request: Request, fault_id: RowId) -> JsonResponse:
    """A fault with its counts."""
    fault = await runtime(request).faults.get(fault_id)
    if fault is None:
        raise NotFound(f"There is no fault {fault_id}.")
    return JsonResponse(fault_view(fault))


@router.delete("/{fault_id}", summary="Remove a fault", status_code=204)
async def delete_fault(request: Request, fault_id: RowId) -> Response:
    """The fault stops applying in every process."""
    if not await runtime(request).faults.delete(fault_id):
        raise NotFound(f"There is no fault {fault_id}.")
    return Response(status_code=204)


@router.delete("", summary="Remove every fault", response_model=answers.Cleared)
async def clear_faults(request: Request) -> JsonResponse:
    """How many faults went."""
    return JsonResponse({"deleted": await runtime(request).faults.delete()})
