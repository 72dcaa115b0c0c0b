"""Operator actions on the simulated goods-to-person floor: racks, picks, exceptions, stock."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pickbay.api.answers import UserSaved
from pickbay.api.common import PREFIX, Admin, RowId, UserIn, read_json
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.http.openapi import CONFLICT
from pickbay.vendors.greymatter.auth import GreyMatterAuth
from pickbay.vendors.greymatter.http import documents as docs
from pickbay.vendors.greymatter.http.views import request_view, slot_view
from pickbay.vendors.greymatter.model import RequestType, ServiceRequest
from pickbay.vendors.greymatter.service import GreyMatterService

router = APIRouter(
    prefix=PREFIX + "/greymatter", tags=["Goods-to-person floor"], dependencies=[Admin]
)
JSON = ("application/json",)
Eaches = Annotated[int, Field(ge=1, le=10**9)]


class PickIn(BaseModel):
    """Eaches to pick or put (default: what the line's next slot holds for it)."""

    model_config = ConfigDict(extra="forbid")
    quantity: Eaches | None = None
    tote_id: Annotated[str, Field(min_length=1, max_length=100)] | None = None


class ExceptionIn(BaseModel):
    """What went wrong with how many eaches of the line's next slot."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["item_missing", "physically_damaged", "unscannable"]
    quantity: Eaches


class ProductCountIn(BaseModel):
    """A product (its attribute values) and the eaches counted on hand."""

    model_config = ConfigDict(extra="forbid")
    attributes: Annotated[
        dict[
            Annotated[str, Field(min_length=1, max_length=100)],
            Annotated[str, Field(max_length=200)],
        ],
        Field(min_length=1),
    ]
    quantity: Annotated[int, Field(ge=0, le=10**9)]
    subpack: Annotated[int, Field(ge=1, le=10**6)] | None = None


class Answer(BaseModel):
    """The service request after the floor's step."""

    serviceRequest: docs.ServiceRequest


class NotifiedStep(Answer):
    """A step that the host is notified of under a transaction id."""

    transactionId: int


class Stock(BaseModel):
    """The floor's stock."""

    stock: list[docs.Slot]


class Counted(BaseModel):
    """A product's stock after a count."""

    stock: docs.Slot


def _answer(sr: ServiceRequest) -> JsonResponse:
    return JsonResponse({"serviceRequest": request_view(sr)})


def _floor(request: Request) -> GreyMatterService:
    return runtime(request).service(GreyMatterService)


@router.post(
    "/service-requests/{sr_id}/check",
    summary="Check and block inventory now",
    response_model=Answer,
    responses=CONFLICT,
)
async def check(request: Request, sr_id: RowId) -> JsonResponse:
    """A created request becomes fulfillable (stock blocked) or not_fulfillable."""
    return _answer(await _floor(request).check(sr_id))


@router.post(
    "/service-requests/{sr_id}/reach",
    summary="A rack reaches a station now",
    response_model=Answer,
    responses=CONFLICT,
)
async def reach(request: Request, sr_id: RowId) -> JsonResponse:
    """A fulfillable pick takes a free bin and becomes cancellation_locked (a put: staged)."""
    return _answer(await _floor(request).reach(sr_id))


@router.post(
    "/service-requests/{sr_id}/cancel",
    summary="Cancel a request from the floor",
    response_model=NotifiedStep,
    responses=CONFLICT,
)
async def cancel(request: Request, sr_id: RowId) -> JsonResponse:
    """Cancel as the host's API would: applied at once, and answered with the same
    `order_modification` notification (a failure once the rack is on its way)."""
    floor = _floor(request)
    sr, _ = await floor.get(sr_id)
    transaction, _ = await floor.request_change(sr.kind, sr.external_id, "cancel")
    return JsonResponse({"transactionId": transaction, "serviceRequest": request_view(sr)})


async def _transaction(
    request: Request, sr_id: int, line_id: str, kind: RequestType
) -> JsonResponse:
    body = await read_json(request, PickIn, optional=True)
    floor = _floor(request)
    return _answer(await floor.pick(sr_id, line_id, kind, body.quantity, body.tote_id))


@router.post(
    "/service-requests/{sr_id}/lines/{line_id}/pick",
    summary="Pick eaches of a line",
    response_model=Answer,
    openapi_extra=body_schema(PickIn, JSON),
    responses=CONFLICT,
)
async def pick(request: Request, sr_id: RowId, line_id: str) -> JsonResponse:
    """One pick transaction into the request's bin (`line_id`: its externalServiceRequestId)."""
    return await _transaction(request, sr_id, line_id, RequestType.PICK)


@router.post(
    "/service-requests/{sr_id}/lines/{line_id}/put",
    summary="Put eaches of a line",
    response_model=Answer,
    openapi_extra=body_schema(PickIn, JSON),
    responses=CONFLICT,
)
async def put(request: Request, sr_id: RowId, line_id: str) -> JsonResponse:
    """One put transaction onto a rack: the product's stock grows."""
    return await _transaction(request, sr_id, line_id, RequestType.PUT)


@router.post(
    "/service-requests/{sr_id}/lines/{line_id}/exception",
    summary="Raise a pick exception",
    response_model=Answer,
    openapi_extra=body_schema(ExceptionIn, JSON),
    responses=CONFLICT,
)
async def exception(request: Request, sr_id: RowId, line_id: str) -> JsonResponse:
    """Eaches missing, damaged or unscannable: they leave stock; the line is re-blocked or short."""
    body = await read_json(request, ExceptionIn)
    sr = (
        await runtime(request)
        .service(GreyMatterService)
        .exception(sr_id, line_id, body.type, body.quantity)
    )
    return _answer(sr)


@router.get("/stock", summary="The floor's stock", response_model=Stock)
async def stock(request: Request) -> JsonResponse:
    """Every product: eaches on hand, blocked for picks, available, per subpack."""
    slots = await _floor(request).stock()
    return JsonResponse({"stock": [slot_view(s) for s in slots]})


@router.put(
    "/stock",
    summary="Count a product",
    response_model=Counted,
    openapi_extra=body_schema(ProductCountIn, JSON),
)
async def set_stock(request: Request) -> JsonResponse:
    """Set a product's eaches on hand (it is added if the floor does not know it)."""
    body = await read_json(request, ProductCountIn)
    slot = (
        await runtime(request)
        .service(GreyMatterService)
        .set_stock(body.attributes, body.quantity, body.subpack)
    )
    return JsonResponse({"stock": slot_view(slot)})


@router.post(
    "/users",
    summary="Add or reset a platform user",
    status_code=201,
    response_model=UserSaved,
    openapi_extra=body_schema(UserIn, JSON),
)
async def add_user(request: Request) -> JsonResponse:
    """Create the user who fetches OAuth tokens, or set a new password if the user exists."""
    body = await read_json(request, UserIn)
    auth = runtime(request).service(GreyMatterAuth)
    created = await auth.add_user(body.username, body.password, replace=True)
    return JsonResponse({"username": body.username, "saved": created}, status_code=201)
