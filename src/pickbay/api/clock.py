"""The sandbox clock: read it, pause, resume, change speed, fast-forward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pickbay.api import answers
from pickbay.api.common import PREFIX, Admin, read_json
from pickbay.http.common import JsonResponse, body_schema, runtime

if TYPE_CHECKING:
    from pickbay.runtime import Runtime

router = APIRouter(prefix=PREFIX + "/clock", tags=["Clock"], dependencies=[Admin])

MAX_ADVANCE_SECONDS = 10 * 365 * 86400


class ClockChange(BaseModel):
    """Pause or resume, and/or set the speed (virtual seconds per real second)."""

    model_config = ConfigDict(extra="forbid")
    paused: bool | None = None
    speed: Annotated[float | None, Field(default=None, gt=0, le=100_000)] = None


class Advance(BaseModel):
    """How far to fast-forward."""

    model_config = ConfigDict(extra="forbid")
    seconds: Annotated[float, Field(ge=0, le=MAX_ADVANCE_SECONDS)]


def clock_view(rt: Runtime, **extra: Any) -> dict[str, Any]:
    """The clock's time and mode."""
    c = rt.clock.clock
    return {
        "now": c.now().isoformat(),
        "paused": c.paused,
        "speed": c.speed,
        "virtual": not c.is_real,
        **extra,
    }


@router.get("", summary="Read the clock", response_model=answers.ClockView)
async def read_clock(request: Request) -> JsonResponse:
    """Current sandbox time, whether it is paused, and its speed."""
    return JsonResponse(clock_view(runtime(request)))


@router.post(
    "",
    summary="Pause, resume or set speed",
    response_model=answers.ClockView,
    openapi_extra=body_schema(ClockChange, ("application/json",)),
)
async def change_clock(request: Request) -> JsonResponse:
    """Change the clock's mode; the current virtual time is kept."""
    change = await read_json(request, ClockChange)
    rt = runtime(request)
    await rt.clock.set_mode(paused=change.paused, speed=change.speed)
    return JsonResponse(clock_view(rt))


@router.post(
    "/advance",
    summary="Fast-forward",
    response_model=answers.ClockView,
    openapi_extra=body_schema(Advance, ("application/json",)),
)
async def advance(request: Request) -> JsonResponse:
    """Move time forward, running every timer that falls due on the way, before answering."""
    body = await read_json(request, Advance)
    rt = runtime(request)
    fired = await rt.scheduler.advance(body.seconds)
    return JsonResponse(clock_view(rt, timersFired=fired))
