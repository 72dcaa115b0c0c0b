"""Pickup Cloud REST API v2 routes: validate, call the engine, shape the answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError

from pickbay.core.errors import UnsupportedMediaType
from pickbay.engine.tenancy import Caller
from pickbay.http.common import JsonResponse, body_schema, is_json, runtime
from pickbay.http.nul import MESSAGE as NUL_MESSAGE
from pickbay.http.nul import body_nul
from pickbay.vendors.pickup_cloud.http import schemas
from pickbay.vendors.pickup_cloud.http.problems import BindingErrors, json_path, validation_errors
from pickbay.vendors.pickup_cloud.http.views import order_view
from pickbay.vendors.pickup_cloud.model import OrderKind, PickupState
from pickbay.vendors.pickup_cloud.service import NewArticle, NewPickupOrder, PickupCloudService

if TYPE_CHECKING:
    from pickbay.runtime import Runtime

PREFIX = "/api/v2"
# Bodies may be application/json, text/json or application/*+json, as ASP.NET Core reads them;
# the document names the first only, since a client generated from a body of several media
# types does not build (openapi-python-client 0.29).
DOCUMENTED = ("application/json",)

# The key is read by hand, not through a FastAPI dependency (that cost a fifth of a create on
# the hot path); the OpenAPI document still declares it on every route (see app.py).
SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "x-api-key",
    "description": "Pickup Cloud API key (sandbox: dev)",
}
router = APIRouter(prefix=PREFIX, tags=["Pickup Cloud"])
# The vendor's reference shows the reads under `/api/{api_version}/`, with v1.1 besides v2;
# they answer there as under v2 (left out of the document: their operations are v2's).
READ_VERSIONS = ("/api/v1.1",)
versioned = APIRouter(tags=["Pickup Cloud"])

M = TypeVar("M", bound=BaseModel)


async def caller(request: Request) -> Caller:
    """The tenant (and origin) of the caller's `x-api-key`."""
    return await runtime(request).tenancy.caller(request.headers.get("x-api-key"))


def _is_json(content_type: str | None) -> bool:
    # ASP.NET Core's JSON input formatter also reads text/json.
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime == "text/json" or is_json(content_type)


async def read_body(request: Request, model: type[M]) -> M:
    """The body as `model`: 415 unless it is JSON, 400 in ASP.NET's shape if it does not fit."""
    if not _is_json(request.headers.get("content-type")):
        raise UnsupportedMediaType(
            "The request body must be JSON (application/json or application/*+json)."
        )
    raw = await request.body()
    if not raw.strip():
        raise BindingErrors(
            {
                "": ["A non-empty request body is required."],
                "request": ["The request field is required."],
            }
        )
    nul = body_nul(raw)
    if nul is not None:
        raise BindingErrors({json_path(nul): [NUL_MESSAGE]})
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise BindingErrors(validation_errors(exc)) from None


def _utc(t: datetime, field: str) -> datetime:
    try:
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    except OverflowError:  # an offset that moves the first or last day out of range
        path = f"$.{field}"
        raise BindingErrors(
            {
                path: [f"The JSON value could not be converted to System.DateTime. Path: {path}."],
                "request": ["The request field is required."],
            }
        ) from None


def _new_order(body: schemas.OrderIn | schemas.RecurrentOrderIn, kind: OrderKind) -> NewPickupOrder:
    details = body.customerDetails.model_dump() if body.customerDetails is not None else None
    extra: dict[str, object] = {}
    if isinstance(body, schemas.OnBehalfOfOrderIn):
        extra = {"origin": body.origin, "origin_order_number": body.originOrderNumber}
    if isinstance(body, schemas.RecurrentOrderIn):
        extra = {
            "start_date": _utc(body.startDate, "startDate"),
            "end_date": _utc(body.endDate, "endDate"),
        }
    return NewPickupOrder(
        kind=kind,
        order_number=body.orderNumber,
        articles=[
            NewArticle(
                a.scanCode,
                a.name or "",
                a.quantityOrdered,
                a.interval if isinstance(a, schemas.RecurrentArticleIn) else None,
            )
            for a in body.articles
        ],
        related_notes=body.relatedNotes,
        dosage_information=body.dosageInformation,
        send_customer_pickup_mail=bool(body.sendCustomerPickupMail),
        customer_self_registration=bool(body.customerSelfRegistration),
        customer_details=details,
        **extra,  # type: ignore[arg-type]
    )


async def _create(rt: Runtime, who: Caller, new: NewPickupOrder, *, articles: bool) -> JsonResponse:
    order = await rt.service(PickupCloudService).create(who.tenant, new)
    return JsonResponse(order_view(order, who.origin, articles=articles))


def _orders(request: Request) -> PickupCloudService:
    return runtime(request).service(PickupCloudService)


@router.post(
    "/orders",
    summary="Create a one-time pickup order",
    response_model=schemas.OrderOut,
    responses={409: {"description": "An order with that number exists already."}},
    openapi_extra=body_schema(
        schemas.OrderIn, DOCUMENTED, example=(schemas.ORDER_SEED, schemas.ORDER_EXAMPLE)
    ),
)
async def create_order(request: Request) -> JsonResponse:
    """Create a one-time order; demo scripts in relatedNotes drive it (`$input-RRR`, ...)."""
    who = await caller(request)
    body = await read_body(request, schemas.OrderIn)
    return await _create(runtime(request), who, _new_order(body, OrderKind.ONE_TIME), articles=True)


@router.post(
    "/orders/on-behalf-of",
    summary="Create a pickup order on behalf of another client",
    response_model=schemas.OrderOut,
    responses={409: {"description": "An order with that number exists already."}},
    openapi_extra=body_schema(schemas.OnBehalfOfOrderIn, DOCUMENTED),
)
async def create_on_behalf_of(request: Request) -> JsonResponse:
    """Create an order the origin (a client inside the caller's tenant) queries by its number."""
    who = await caller(request)
    body = await read_body(request, schemas.OnBehalfOfOrderIn)
    new = _new_order(body, OrderKind.ON_BEHALF_OF)
    return await _create(runtime(request), who, new, articles=True)


@router.post(
    "/recurrentorders",
    summary="Create a recurrent pickup order",
    response_model=schemas.OrderOut,
    responses={409: {"description": "An order with that number exists already."}},
    openapi_extra=body_schema(
        schemas.RecurrentOrderIn, DOCUMENTED, example=(schemas.SEED, schemas.RECURRENT_EXAMPLE)
    ),
)
async def create_recurrent(request: Request) -> JsonResponse:
    """Create a recurrent order; like the vendor, the answer carries no articles."""
    who = await caller(request)
    body = await read_body(request, schemas.RecurrentOrderIn)
    new = _new_order(body, OrderKind.RECURRENT)
    return await _create(runtime(request), who, new, articles=False)


@router.get(
    "/orders/by-ordernumber/{orderNumber}",
    summary="Get an order by its order number",
    response_model=schemas.OrderOut,
)
async def get_by_order_number(request: Request, orderNumber: str) -> JsonResponse:
    """The order with its articles and packs."""
    who = await caller(request)
    order = await _orders(request).get_by_number(who, orderNumber)
    return JsonResponse(order_view(order, who.origin))


@router.get(
    "/orders/by-pickupcode/{pickupCode}",
    summary="Get an order by its pickup code",
    response_model=schemas.OrderOut,
)
async def get_by_pickup_code(request: Request, pickupCode: str) -> JsonResponse:
    """The order with its articles and packs."""
    who = await caller(request)
    order = await _orders(request).get_by_pickup_code(who.tenant, pickupCode)
    return JsonResponse(order_view(order, who.origin))


@router.post(
    "/orders/by-ordernumber/{orderNumber}/cancel",
    summary="Cancel an order",
    response_model=schemas.OrderOut,
    responses={409: {"description": "The order is picked up or cancelled already."}},
    openapi_extra={
        **body_schema(schemas.CancelIn, DOCUMENTED),
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CancelIn"}}},
        },
    },
)
async def cancel(request: Request, orderNumber: str) -> JsonResponse:
    """Cancel an order that is not picked up yet; the body's cancellationReason is optional."""
    who = await caller(request)
    reason = ""
    if (await request.body()).strip():
        reason = (await read_body(request, schemas.CancelIn)).cancellationReason or ""
    order = await _orders(request).cancel(who, orderNumber, reason)
    return JsonResponse(order_view(order, who.origin))


@router.get("/orders", summary="List orders", response_model=list[schemas.OrderOut])
async def list_orders(
    request: Request,
    state: Annotated[PickupState | None, Query(description="only orders in this state")] = None,
    skip: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
    take: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JsonResponse:
    """The caller's orders, oldest first, `take` at a time after `skip`."""
    who = await caller(request)
    orders = (
        await runtime(request)
        .service(PickupCloudService)
        .list_orders(who.tenant, state=state, skip=skip, take=take)
    )
    return JsonResponse([order_view(o, who.origin) for o in orders])


for _prefix in READ_VERSIONS:
    versioned.add_api_route(
        _prefix + "/orders/by-ordernumber/{orderNumber}",
        get_by_order_number,
        methods=["GET"],
        include_in_schema=False,
    )
    versioned.add_api_route(
        _prefix + "/orders/by-pickupcode/{pickupCode}",
        get_by_pickup_code,
        methods=["GET"],
        include_in_schema=False,
    )
