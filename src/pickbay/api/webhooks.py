"""Webhook subscriptions and their delivery log, in pickbay's own API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from pickbay.api import answers
from pickbay.api.common import PREFIX, Admin, RowId, read_json
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.vendors.registry import NOTIFYING
from pickbay.webhooks.subscriptions import URL_PATTERN

router = APIRouter(prefix=PREFIX + "/webhooks", tags=["Webhooks"], dependencies=[Admin])
JSON = ("application/json",)


class SubscriptionIn(BaseModel):
    """Where to send notifications, and the secret that signs them (made if not given)."""

    model_config = ConfigDict(extra="forbid")
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            pattern=URL_PATTERN,
            description="An absolute http:// or https:// URL.",
        ),
    ]
    secret: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    dialect: Annotated[
        str | None,
        Field(
            max_length=32,
            description="whose notifications (default: the one that sends any)",
            json_schema_extra={"enum": [*NOTIFYING, None]},
        ),
    ] = None


def subscription_view(row: dict[str, Any], *, with_secret: bool = False) -> dict[str, Any]:
    """A subscription as the API shows it (the secret only when it is created)."""
    out = {
        "id": row["id"],
        "url": row["url"],
        "dialect": row["dialect"],
        "createdAt": row["created_at"].isoformat(),
    }
    if with_secret:
        out["secret"] = row["secret"]
    return out


def delivery_view(row: dict[str, Any]) -> dict[str, Any]:
    """A delivery and, when loaded, its attempts."""
    out: dict[str, Any] = {
        "id": row["id"],
        "notificationId": row["notification_id"],
        "eventSeq": row["event_seq"],
        "redeliveryOf": row["redelivery_of"],
        "state": row["state"],
        "attempts": row["attempts"],
        "nextAttemptAt": None if row["state"] != "pending" else row["next_attempt_at"].isoformat(),
        "createdAt": row["created_at"].isoformat(),
        "deliveredAt": row["delivered_at"] and row["delivered_at"].isoformat(),
        "lastStatus": row["last_status"],
        "lastError": row["last_error"],
    }
    if "attempt_log" in row:
        out["body"] = row["body"]
        out["attemptLog"] = [
            {
                "at": a["at"].isoformat(),
                "status": a["status"],
                "error": a["error"],
                "durationMs": round(a["duration_ms"], 3),
            }
            for a in row["attempt_log"]
        ]
    return out


@router.post(
    "",
    summary="Subscribe a URL",
    status_code=201,
    response_model=answers.Subscription,
    openapi_extra=body_schema(SubscriptionIn, JSON),
)
async def subscribe(request: Request) -> JsonResponse:
    """201 with the subscription's id and secret (the secret is shown only now)."""
    body = await read_json(request, SubscriptionIn)
    row = await runtime(request).webhooks.subscribe(body.url, body.secret, body.dialect)
    return JsonResponse(subscription_view(row, with_secret=True), status_code=201)


@router.get("", summary="List subscriptions", response_model=answers.Subscriptions)
async def list_subscriptions(request: Request) -> JsonResponse:
    """Every active subscription."""
    rows = await runtime(request).webhooks.all()
    return JsonResponse({"webhooks": [subscription_view(r) for r in rows]})


@router.get("/{subscription_id}", summary="One subscription", response_model=answers.Subscription)
async def show(request: Request, subscription_id: RowId) -> JsonResponse:
    """A subscription."""
    return JsonResponse(subscription_view(await runtime(request).webhooks.get(subscription_id)))


@router.delete("/{subscription_id}", summary="Unsubscribe", status_code=204)
async def unsubscribe(request: Request, subscription_id: RowId) -> Response:
    """End the subscription; what it had not delivered yet is dropped."""
    await runtime(request).webhooks.unsubscribe(subscription_id)
    return Response(status_code=204)


@router.get(
    "/{subscription_id}/deliveries",
    summary="The delivery log",
    response_model=answers.Deliveries,
)
async def deliveries(
    request: Request,
    subscription_id: RowId,
    state: Literal["pending", "delivered", "dropped"] | None = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JsonResponse:
    """Deliveries newest first; page with `before` (the last id seen)."""
    rows = await runtime(request).webhooks.deliveries(
        subscription_id, state=state, before=before, limit=limit
    )
    return JsonResponse({"deliveries": [delivery_view(r) for r in rows]})


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    summary="One delivery",
    response_model=answers.Delivery,
)
async def delivery(request: Request, subscription_id: RowId, delivery_id: RowId) -> JsonResponse:
    """A delivery with its body and every attempt (time, status, error, duration)."""
    row = await runtime(request).webhooks.delivery(subscription_id, delivery_id)
    return JsonResponse(delivery_view(row))


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery again",
    status_code=202,
    response_model=answers.Delivery,
)
async def redeliver(request: Request, subscription_id: RowId, delivery_id: RowId) -> JsonResponse:
    """Queue a copy (same notification id and body) to send now; 202 with the copy."""
    row = await runtime(request).webhooks.redeliver(subscription_id, delivery_id)
    return JsonResponse(delivery_view(row), status_code=202)
