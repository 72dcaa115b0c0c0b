"""Operator actions on the simulated pickup robot: input packs, pick up, cancel, inspect."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pickbay.api.common import PREFIX, Admin, read_json
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.http.openapi import NAMED
from pickbay.vendors.pickup_cloud.http.schemas import NetTime, OrderOut
from pickbay.vendors.pickup_cloud.http.views import net_time, order_view
from pickbay.vendors.pickup_cloud.machine import EXPIRY_SOURCES, SHAPES
from pickbay.vendors.pickup_cloud.model import OrderKind, PickupOrder
from pickbay.vendors.pickup_cloud.service import PackInput, PickupCloudService

router = APIRouter(prefix=PREFIX + "/pickup-cloud", tags=["Pickup robot"], dependencies=[Admin])

Text = Annotated[str | None, Field(default=None, max_length=100)]
Size = Annotated[int | None, Field(default=None, ge=1, le=10_000)]
JSON = ("application/json",)


class PackIn(BaseModel):
    """A pack as scanned at the robot's input; what is left out the robot fills in."""

    model_config = ConfigDict(extra="forbid")
    scanCode: Annotated[str, Field(min_length=1, max_length=100)]
    deliveryNumber: Text = None
    batchNumber: Text = None
    externalId: Text = None
    serialNumber: Text = None
    expiryDate: date | None = None
    expiryDateSource: Literal[EXPIRY_SOURCES] | None = None  # type: ignore[valid-type]
    subItemQuantity: Annotated[int | None, Field(default=None, ge=0, le=100_000)] = None
    depth: Size = None
    width: Size = None
    height: Size = None
    shape: Literal[SHAPES] | None = None  # type: ignore[valid-type]
    isInFridge: bool | None = None
    labelStatus: Text = None
    stockLocationId: Text = None
    machineLocation: Text = None


class InputIn(BaseModel):
    """Input packs for the order with `storageCode`; without `packs`, every missing pack."""

    model_config = ConfigDict(extra="forbid")
    storageCode: Annotated[str, Field(min_length=1, max_length=200)]
    packs: Annotated[list[PackIn] | None, Field(default=None, min_length=1, max_length=1000)] = None


class PickupIn(BaseModel):
    """The code the customer scanned at the pickup terminal."""

    model_config = ConfigDict(extra="forbid")
    pickupCode: Annotated[str, Field(min_length=1, max_length=200)]


class RobotCancelIn(BaseModel):
    """Cancel by pickup code or storage code."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Annotated[str, Field(max_length=2000)] = ""


class OperatorOrder(OrderOut):
    """An order as the operator sees it: the tenant's view, whose it is and its id."""

    id: int
    tenant: str
    kind: str = Field(description="one-time, on-behalf-of or recurrent")
    startDate: NetTime = Field(default=None, description="Recurrent orders only.")
    endDate: NetTime = Field(default=None, description="Recurrent orders only.")


class PickedUp(BaseModel):
    """An order picked up, and the packs the robot output."""

    order: OperatorOrder
    packs: list[dict[str, Any]]


def operator_view(order: PickupOrder) -> dict[str, Any]:
    """The order as an operator sees it: the tenant's view plus whose it is and its id."""
    view = {"id": order.row_id, "tenant": order.tenant, "kind": order.kind.value}
    view.update(order_view(order))
    if order.kind is OrderKind.RECURRENT:  # the tenant's API does not show them; operators do
        view["startDate"] = net_time(order.start_date)
        view["endDate"] = net_time(order.end_date)
    return view


def _robot(request: Request) -> PickupCloudService:
    return runtime(request).service(PickupCloudService)


@router.post(
    "/input",
    summary="Input packs into the robot",
    response_model=OperatorOrder,
    openapi_extra=body_schema(InputIn, JSON),
    responses=NAMED,
)
async def input_packs(request: Request) -> JsonResponse:
    """Store packs for an order by its storage code (DataMatrix label)."""
    body = await read_json(request, InputIn)
    packs = None
    if body.packs is not None:
        packs = [
            PackInput(
                p.scanCode,
                {
                    k: (v.isoformat() if isinstance(v, date) else v)
                    for k, v in p.model_dump(exclude={"scanCode"}).items()
                },
            )
            for p in body.packs
        ]
    order = await _robot(request).input_packs(body.storageCode, packs)
    return JsonResponse(operator_view(order))


@router.post(
    "/pickup",
    summary="Pick up an order",
    response_model=PickedUp,
    openapi_extra=body_schema(PickupIn, JSON),
    responses=NAMED,
)
async def pick_up(request: Request) -> JsonResponse:
    """The customer scans the pickup code (QR); the robot outputs every stored pack."""
    body = await read_json(request, PickupIn)
    order, packs = await _robot(request).pick_up(body.pickupCode)
    return JsonResponse({"order": operator_view(order), "packs": packs})


@router.post(
    "/cancel",
    summary="Cancel an order",
    response_model=OperatorOrder,
    openapi_extra=body_schema(RobotCancelIn, JSON),
    responses=NAMED,
)
async def cancel(request: Request) -> JsonResponse:
    """Cancel from the pharmacy's side, by pickup or storage code."""
    body = await read_json(request, RobotCancelIn)
    order = await _robot(request).operator_cancel(body.code, body.reason)
    return JsonResponse(operator_view(order))


@router.get("/orders/{code}", summary="Look up an order by code", response_model=OperatorOrder)
async def get_order(request: Request, code: str) -> JsonResponse:
    """Any tenant's order by its pickup or storage code."""
    return JsonResponse(operator_view(await _robot(request).get_by_code(code)))
