"""Response bodies of the Pickup Cloud API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from pickbay.vendors.pickup_cloud.model import ARTICLE_LIFECYCLE, Article, OrderKind, PickupOrder


@overload
def net_time(t: datetime) -> str: ...
@overload
def net_time(t: None) -> None: ...
def net_time(t: datetime | None) -> str | None:
    """A time as ASP.NET Core writes a DateTimeOffset: 7 fractional digits, explicit offset."""
    if t is None:
        return None
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0+00:00"


def article_view(a: Article) -> dict[str, Any]:
    """An article with its state, due date and packs."""
    return {
        "scanCode": a.scan_code,
        "name": a.name,
        "quantityOrdered": a.quantity,
        "interval": a.interval,
        "state": a.state.value,
        "dueDate": net_time(a.due_date),
        "packs": a.packs,
        "pickedUpPacks": a.picked_up,
    }


def order_view(
    order: PickupOrder, origin: str | None = None, *, articles: bool = True
) -> dict[str, Any]:
    """The order as the API returns it; an on-behalf-of order's origin sees its own number."""
    number = order.order_number
    if origin is not None and order.origin == origin and order.origin_order_number:
        number = order.origin_order_number
    body: dict[str, Any] = {
        "articles": [article_view(a) for a in order.articles] if articles else [],
        "orderNumber": number,
        "requestCustomerToFillData": order.customer_self_registration,
        "relatedNotes": order.related_notes,
        "dosageInformation": order.dosage_information,
        "state": order.state.value,
        "creationDate": net_time(order.created_at),
        "lastUpdateDate": net_time(order.last_update_at),
        "pickedUpDate": net_time(order.picked_up_at),
        "canceledDate": net_time(order.canceled_at),
        "firstInputDate": net_time(order.first_input_at),
        "isOverdue": order.is_overdue,
        "pickupCode": order.pickup_code,
        "storageCode": order.storage_code,
        "cancellationReason": order.cancellation_reason,
    }
    if order.kind is OrderKind.ON_BEHALF_OF:
        body["origin"] = order.origin
        body["originOrderNumber"] = order.origin_order_number
    return body


def board_view(order: PickupOrder) -> dict[str, Any]:
    """The order on pickbay's board: its articles as lines, its codes, its own view."""
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
        "triggers": [t.value for t in ARTICLE_LIFECYCLE.triggers(order.state)],
        "native": order_view(order),
    }
