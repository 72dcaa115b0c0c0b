"""Every dialect's orders on one board, and one order in full, for the console and operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from pickbay.api.common import MAX_ID, PREFIX, Admin, RowId
from pickbay.core.orders import OrderSummary
from pickbay.engine.board import DialectOrder, OrderFilter
from pickbay.http.common import JsonResponse, runtime
from pickbay.vendors.greymatter import model as greymatter
from pickbay.vendors.greymatter import repository as greymatter_store
from pickbay.vendors.greymatter.http.views import request_view
from pickbay.vendors.greymatter.model import ServiceRequest
from pickbay.vendors.itempath import model as itempath
from pickbay.vendors.itempath import repository as itempath_store
from pickbay.vendors.itempath.http.views import order_view as lift_order_view
from pickbay.vendors.itempath.model import LiftOrder
from pickbay.vendors.pickup_cloud import model as pickup
from pickbay.vendors.pickup_cloud import repository as pickup_store
from pickbay.vendors.pickup_cloud.http.views import order_view as pickup_order_view
from pickbay.vendors.pickup_cloud.model import PickupOrder

router = APIRouter(prefix=PREFIX + "/orders", tags=["Orders"], dependencies=[Admin])

# The dialects in the order the console lists them, with the states their orders can show.
DIALECTS: dict[str, dict[str, Any]] = {
    pickup_store.DIALECT: {
        "title": "Pickup Cloud",
        "states": [s.value for s in pickup.PickupState],
    },
    itempath_store.DIALECT: {
        "title": "ItemPath",
        "states": [s.value for s in itempath.OrderStatus],
    },
    greymatter_store.DIALECT: {
        "title": "GreyMatter",
        "states": [s.value for s in greymatter.State],
    },
}
Dialect = Annotated[str | None, Query(pattern="^(" + "|".join(DIALECTS) + ")$")]
Text = Annotated[str | None, Query(min_length=1, max_length=200)]
Ids = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
    Query(max_length=200, description="only these orders"),
]


def summary_view(o: OrderSummary) -> dict[str, Any]:
    """One board row."""
    return {
        "id": o.id,
        "dialect": o.dialect,
        "tenant": o.tenant,
        "number": o.number,
        "kind": o.kind,
        "state": o.state,
        "createdAt": o.created_at.isoformat(),
        "updatedAt": o.updated_at.isoformat() if o.updated_at else None,
        "version": o.version,
    }


def _pickup(order: PickupOrder) -> dict[str, Any]:
    return {
        "lines": [
            {
                "key": str(n),
                "sku": a.scan_code,
                "name": a.name,
                "quantity": a.quantity,
                "done": len(a.packs),
                "state": a.state.value,
                "packs": a.packs,
                "pickedUp": a.picked_up,
            }
            for n, a in enumerate(order.articles)
        ],
        "codes": {"pickup": order.pickup_code, "storage": order.storage_code},
        "triggers": [t.value for t in pickup.ARTICLE_LIFECYCLE.triggers(order.state)],
        "native": pickup_order_view(order, order.tenant),
    }


def _lift(order: LiftOrder) -> dict[str, Any]:
    return {
        "lines": [
            {
                "key": str(x.number),
                "sku": x.material_name,
                "name": x.material_name,
                "quantity": x.quantity,
                "done": x.quantity_confirmed,
                "allocated": x.allocated,
                "state": x.status.value,
            }
            for x in order.lines
        ],
        "triggers": [t.value for t in itempath.LIFECYCLE.triggers(order.status)],
        "native": lift_order_view(order),
    }


def _product(line: greymatter.Line) -> str:
    raw = line.product_attributes.get("filter_parameters")
    if isinstance(raw, list) and raw:
        return " and ".join(str(f) for f in raw)
    return ", ".join(f"{k} = '{v}'" for k, v in line.product_values().items())


def _service_request(sr: ServiceRequest) -> dict[str, Any]:
    return {
        "lines": [
            {
                "key": x.external_id,
                "sku": _product(x),
                "name": "",
                "quantity": x.quantity,
                "done": x.done,
                "short": x.short,
                "state": x.state,
            }
            for x in sr.lines
        ],
        "triggers": [t.value for t in sr.lifecycle.triggers(sr.state)],
        "native": request_view(sr),
    }


def detail_view(summary: OrderSummary, full: DialectOrder) -> dict[str, Any]:
    """An order in full: lines in one shape for every dialect, what may happen next, and the
    dialect's own representation."""
    if isinstance(full, PickupOrder):
        parts = _pickup(full)
    elif isinstance(full, LiftOrder):
        parts = _lift(full)
    else:
        parts = _service_request(full)
    return {"order": summary_view(summary), **parts}


@router.get("", summary="Orders of every dialect")
async def list_orders(
    request: Request,
    dialect: Dialect = None,
    tenant: Text = None,
    state: Text = None,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only ids below this (paging)")
    ] = None,
    id: Annotated[
        list[RowId] | None, Query(max_length=200, description="only these orders")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JsonResponse:
    """Newest first. `seq`: the event feed position the list is at least as new as; follow the
    feed from there to keep it current. `next`: the `before` of the next page."""
    board = runtime(request).board
    if id is not None:
        found = await board.summaries(id)
        return JsonResponse({"orders": [summary_view(o) for o in found]})
    found, head = await board.orders(
        OrderFilter(dialect=dialect, tenant=tenant, state=state), before=before, limit=limit
    )
    return JsonResponse(
        {
            "orders": [summary_view(o) for o in found],
            "seq": head,
            "next": found[-1].id if len(found) == limit else None,
        }
    )


@router.get("/facets", summary="Dialects, tenants and states to filter by")
async def facets(request: Request) -> JsonResponse:
    """Each dialect's title, tenants and the states its orders can show."""
    tenants = await runtime(request).board.tenants()
    return JsonResponse(
        {"dialects": {name: {**d, "tenants": tenants[name]} for name, d in DIALECTS.items()}}
    )


@router.get("/{order_id}", summary="One order in full")
async def get_order(request: Request, order_id: RowId) -> JsonResponse:
    """Its summary, its lines, the triggers its lifecycle allows now, its dialect's own view."""
    summary, full = await runtime(request).board.order(order_id)
    return JsonResponse(detail_view(summary, full))
