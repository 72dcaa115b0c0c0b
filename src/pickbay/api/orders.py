"""Every dialect's orders on one board, and one order in full, for the console and operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field

from pickbay.api import answers
from pickbay.api.common import MAX_ID, PREFIX, Admin, RowId
from pickbay.console import vendor_script_url
from pickbay.core.orders import OrderSummary
from pickbay.engine.board import OrderFilter
from pickbay.http.common import JsonResponse, runtime
from pickbay.vendors.registry import VENDORS, vendor_named

router = APIRouter(prefix=PREFIX + "/orders", tags=["Orders"], dependencies=[Admin])

Dialect = Annotated[str | None, Query(pattern="^(" + "|".join(v.name for v in VENDORS) + ")$")]
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


def detail_view(summary: OrderSummary, full: Any) -> dict[str, Any]:
    """An order in full: lines in one shape for every dialect, what may happen next, and the
    dialect's own representation."""
    return {"order": summary_view(summary), **vendor_named(summary.dialect).detail(full)}


@router.get("", summary="Orders of every dialect", response_model=answers.Board)
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


@router.get(
    "/facets",
    summary="Dialects, tenants and states to filter by",
    response_model=answers.Facets,
)
async def facets(request: Request) -> JsonResponse:
    """Each dialect's title, tenants and the states its orders can show."""
    tenants = await runtime(request).board.tenants()
    return JsonResponse(
        {
            "dialects": {
                v.name: {
                    "title": v.title,
                    "states": list(v.states()),
                    "tenants": tenants[v.name],
                    "console": vendor_script_url(v.name) if v.console_script() else None,
                }
                for v in VENDORS
            }
        }
    )


@router.get("/{order_id}", summary="One order in full", response_model=answers.Detail)
async def get_order(request: Request, order_id: RowId) -> JsonResponse:
    """Its summary, its lines, the triggers its lifecycle allows now, its dialect's own view."""
    summary, full = await runtime(request).board.order(order_id)
    return JsonResponse(detail_view(summary, full))
