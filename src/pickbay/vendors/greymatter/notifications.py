"""GreyMatter's notifications: the payloads its events carry and the webhook body they make."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pickbay.core.events import StoredEvent

if TYPE_CHECKING:
    from pickbay.vendors.greymatter.model import Container, ServiceRequest

VERSION_NUMBER = "1.5.0"


def notification(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """A notification without its id (the webhook sender numbers each one)."""
    return {"notification_type": kind, "version_number": VERSION_NUMBER, "notification_data": data}


def _zulu(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _actual(container: Container, *, exception: bool) -> dict[str, Any]:
    products = [
        {k: v for k, v in p.items() if k in ("productQuantity", "productAttributes")}
        for p in container.products
    ]
    out: dict[str, Any] = {
        "products": products,
        "state": container.state,
        "barcode": None,
        "type": "VIRTUAL",
    }
    if exception:
        out["containerAttributes"] = container.attributes or {}
    return out


def notification_data(sr: ServiceRequest, state: str | None = None) -> dict[str, Any]:
    """The service request as notifications carry it (the vendor's keys, in its order);
    `state` tells another request-level state than its own."""
    lines = []
    for line in sr.lines:
        item: dict[str, Any] = {
            "state": line.state,
            "status": line.status,
            "externalServiceRequestId": line.external_id,
            "expectations": {
                "containers": [
                    {
                        "products": [
                            {
                                "productQuantity": line.quantity,
                                "productAttributes": line.product_attributes,
                            }
                        ]
                    }
                ]
            },
            "actuals": {"containers": [_actual(c, exception=False) for c in line.actuals]},
            "type": sr.kind.line_type,
        }
        if line.attributes:
            item["attributes"] = line.attributes
        lines.append(item)
    return {
        "type": sr.kind.value,
        "state": state or sr.state.value,
        "status": sr.status,
        "externalServiceRequestId": sr.external_id,
        "createdOn": _zulu(sr.created_at),
        "expectations": {"containers": []},
        "serviceRequests": lines,
        "actuals": {"containers": [_actual(c, exception=True) for c in sr.actuals]},
        "attributes": sr.attributes or {},
    }


def webhook_body(event: StoredEvent, notification_id: str) -> dict[str, Any] | None:
    """The webhook notification an event makes, numbered `notification_id` (or None)."""
    found = event.payload.get("notification")
    if not isinstance(found, dict):
        return None
    return {
        "notification_type": found["notification_type"],
        "version_number": found["version_number"],
        "notification_id": notification_id,
        "notification_data": found["notification_data"],
    }
