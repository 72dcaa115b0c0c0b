"""GreyMatter REST routes: service requests; errors as the platform's 400 "Bad data"."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from pickbay.core.errors import (
    Conflict,
    InvalidInput,
    PickbayError,
    UnsupportedMediaType,
)
from pickbay.http.common import JsonResponse, bearer, body_schema, is_json, runtime
from pickbay.http.nul import json_body
from pickbay.vendors.greymatter.auth import GreyMatterAuth
from pickbay.vendors.greymatter.http import bodies
from pickbay.vendors.greymatter.http import documents as docs
from pickbay.vendors.greymatter.http.views import line_view, request_view, stamp
from pickbay.vendors.greymatter.service import GreyMatterService

PREFIX = "/api-gateway/sr-service/platform-srms"
SR_ID = re.compile("^[0-9]{1,18}$")  # ASCII digits only: str.isdigit() also takes "²"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "An access token from POST /api-gateway/auth-service/platform-auth/oauth/token, or"
        " PICKBAY_GREYMATTER_TOKEN (sandbox default: dev)"
    ),
}
CLIENT_SCHEME = {
    "type": "http",
    "scheme": "basic",
    "description": "The platform's fixed client: Basic YnV0bGVyOmJ1dGxlcg== (butler:butler)",
}
router = APIRouter(prefix=PREFIX, tags=["GreyMatter"])
REASONS = {
    400: "Bad data",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    415: "Unsupported Media Type",
}


class FieldError(BaseModel):
    """One problem with one field."""

    field: str
    message: str


class Error(BaseModel):
    """The platform's error body, as Spring Boot writes one."""

    timestamp: str = Field(description="When, as a LocalDateTime of the platform (UTC).")
    status: int
    error: str = Field(description='The reason phrase ("Bad data" for every 400).')
    message: str
    path: str
    errors: list[FieldError] | None = Field(
        default=None, description="Each field that broke a rule (bad data only)."
    )


def render(request: Request, exc: PickbayError) -> Response:
    """The platform's error body: timestamp, status, error, message, path (and errors)."""
    # A clash with what is stored (a taken externalServiceRequestId) is bad data too.
    status = 400 if isinstance(exc, Conflict) else exc.status
    body: dict[str, Any] = {
        "timestamp": stamp(runtime(request).clock.now()),
        "status": status,
        "error": REASONS.get(status, exc.title),
        "message": exc.detail or exc.title,
        "path": request.url.path,
    }
    if isinstance(exc, InvalidInput):
        body["errors"] = [
            {"field": k, "message": m} for k, messages in exc.errors.items() for m in messages
        ]
    elif exc.field:
        body["errors"] = [{"field": exc.field, "message": exc.detail}]
    return JsonResponse(body, status_code=status)


def _service(request: Request) -> GreyMatterService:
    rt = runtime(request)
    rt.service(GreyMatterAuth).check(bearer(request))
    return rt.service(GreyMatterService)


async def _json(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    raw = await request.body()
    if (raw or content_type) and not is_json(content_type):
        # Spring's JSON message converter reads application/json and application/*+json only.
        given = content_type or "application/octet-stream"
        raise UnsupportedMediaType(f"Content-Type '{given}' is not supported.")
    if not raw.strip():
        raise InvalidInput({"body": ["A JSON body is required."]})
    return json_body(raw)


@router.post(
    "/service-request",
    summary="Create a service request (PICK or PUT)",
    response_model=docs.ServiceRequest,
    openapi_extra=body_schema(docs.NEW_REQUEST, docs.JSON, example=docs.PICK_EXAMPLE),
)
async def create(request: Request) -> JsonResponse:
    """The stored request; the floor checks inventory and notifies from there on."""
    service = _service(request)
    sr = await service.create(bodies.new_request(await _json(request)))
    return JsonResponse(request_view(sr))


@router.get(
    "/service-request/{sr_id}",
    summary="A service request (or one of its lines)",
    response_model=docs.ServiceRequest | docs.ServiceRequestLine,
)
async def show(
    request: Request,
    sr_id: Annotated[str, Path(json_schema_extra={"pattern": SR_ID.pattern})],
) -> JsonResponse:
    """The full object as it is now."""
    service = _service(request)
    if not SR_ID.fullmatch(sr_id):
        raise InvalidInput({"id": [f"'{sr_id}' is not a service request id (a number)."]})
    sr, line = await service.get(int(sr_id))
    return JsonResponse(request_view(sr) if line is None else line_view(sr, line))


@router.post(
    "/service-request/cancel",
    summary="Cancel a service request (asynchronous)",
    response_model=docs.Accepted,
    openapi_extra=body_schema(docs.REFERENCE, docs.JSON),
    responses={404: {"description": "No service request with that id and type."}},
)
async def cancel(request: Request) -> JsonResponse:
    """Accepted with a transaction id; an order_modification notification tells the outcome."""
    service = _service(request)
    kind, external = bodies.reference(await _json(request))
    transaction, _ = await service.request_change(kind, external, "cancel")
    return JsonResponse(
        {"id": transaction, "externalServiceRequestId": external, "type": kind.value}
    )


@router.post(
    "/service-request/modify",
    summary="Modify a service request (asynchronous)",
    response_model=docs.Accepted,
    openapi_extra=body_schema(docs.MODIFICATION, docs.JSON),
    responses={404: {"description": "No service request with that id and type."}},
)
async def modify(request: Request) -> JsonResponse:
    """Accepted with a transaction id; an order_modification notification tells the outcome."""
    service = _service(request)
    body = await _json(request)
    kind, external = bodies.reference(body)
    changes = bodies.changes(body, kind)
    transaction, _ = await service.request_change(kind, external, "modify", changes)
    return JsonResponse(
        {"id": transaction, "externalServiceRequestId": external, "type": kind.value}
    )
