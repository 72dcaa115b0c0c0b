"""Operator actions on the simulated lift module: confirm lines, count stock, app tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pickbay.api.answers import UserSaved
from pickbay.api.common import PREFIX, Admin, UserIn, read_json
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.http.openapi import CONFLICT
from pickbay.vendors.itempath.http import documents as docs
from pickbay.vendors.itempath.http.views import material_view, order_view
from pickbay.vendors.itempath.service import ItemPathService

router = APIRouter(prefix=PREFIX + "/itempath", tags=["Lift module"], dependencies=[Admin])
JSON = ("application/json",)
Quantity = Annotated[float, Field(ge=0, le=1e9)]


class ConfirmIn(BaseModel):
    """The quantity the operator actually picked, put or counted (default: as allocated)."""

    model_config = ConfigDict(extra="forbid")
    quantity: Quantity | None = None


class MaterialStockIn(BaseModel):
    """The quantity on hand after the operator's count."""

    model_config = ConfigDict(extra="forbid")
    quantity: Quantity


def _lift(request: Request) -> ItemPathService:
    return runtime(request).service(ItemPathService)


class ApplicationToken(BaseModel):
    """A token for a software connection; it never expires."""

    applicationToken: str


@router.post(
    "/orders/{order_id}/lines/{number}/confirm",
    summary="Confirm an order line at the lift",
    response_model=docs.OneOrder,
    openapi_extra=body_schema(ConfirmIn, JSON),
    responses=CONFLICT,
)
async def confirm_line(request: Request, order_id: str, number: int) -> JsonResponse:
    """Confirm line `number` of an allocated order; less than asked is a short pick."""
    body = await read_json(request, ConfirmIn, optional=True)
    order = await _lift(request).confirm_line(order_id, number, body.quantity)
    return JsonResponse({"order": order_view(order)})


@router.put(
    "/materials/{key}/stock",
    summary="Count a material's stock",
    response_model=docs.OneMaterial,
    openapi_extra=body_schema(MaterialStockIn, JSON),
)
async def set_stock(request: Request, key: str) -> JsonResponse:
    """Set the quantity on hand of a material (by id or name)."""
    body = await read_json(request, MaterialStockIn)
    material = await _lift(request).set_stock(key, body.quantity)
    return JsonResponse({"material": material_view(material)})


@router.post(
    "/users",
    summary="Add or reset a user",
    status_code=201,
    response_model=UserSaved,
    openapi_extra=body_schema(UserIn, JSON),
)
async def add_user(request: Request) -> JsonResponse:
    """Create the user, or set a new password if the user exists."""
    body = await read_json(request, UserIn)
    created = await runtime(request).accounts.add_user(body.username, body.password, replace=True)
    return JsonResponse({"username": body.username, "saved": created}, status_code=201)


@router.post(
    "/users/{username}/application-token",
    summary="An application token",
    response_model=ApplicationToken,
)
async def application_token(request: Request, username: str) -> JsonResponse:
    """A token that never expires, for a software connection acting as `username`."""
    accounts = runtime(request).accounts
    await accounts.require_user(username)
    return JsonResponse({"applicationToken": accounts.application_token(username)})
