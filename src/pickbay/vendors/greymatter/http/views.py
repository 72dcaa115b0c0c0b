"""Service requests in the shape GreyMatter's REST API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pickbay.vendors.greymatter.model import Container, Line, ServiceRequest, Slot, State


def stamp(value: datetime | str) -> str:
    """A Java LocalDateTime as the vendor prints it: UTC, milliseconds without trailing 0s."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    return text + (f".{millis:03d}".rstrip("0") if millis else "")


def _java_hash(text: str) -> int:
    """Java's `String.hashCode()`: over UTF-16 code units, in 32-bit arithmetic."""
    units = text.encode("utf-16-be")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def hash_map(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """`values` in the order a `java.util.HashMap` filled one key at a time iterates them.

    The platform keeps a request's `attributes` in one: the seed's create example answers
    `pick_before_time`, `pick_after_time`, `order_options` as `pick_after_time`,
    `order_options`, `pick_before_time`, which is that order. Buckets come first, in index
    order; keys that share a bucket keep the order they were put in.
    """
    if values is None:
        return None
    size = 16  # the table doubles whenever it would be more than three quarters full
    while len(values) > size * 3 // 4:
        size *= 2

    def bucket(key: str) -> int:
        h = _java_hash(key)
        return (h ^ (h >> 16)) & (size - 1)

    keys = sorted(enumerate(values), key=lambda item: (bucket(item[1]), item[0]))
    return {key: values[key] for _, key in keys}


def _product(product: dict[str, Any]) -> dict[str, Any]:
    created = product.get("createdOn")
    return {
        "id": product.get("id"),
        "uid": None,
        "uidType": None,
        "productQuantity": product["productQuantity"],
        "productAttributes": product.get("productAttributes"),
        "createdOn": None if created is None else stamp(created),
        "updatedOn": None if created is None else stamp(created),
    }


def _container(container: Container) -> dict[str, Any]:
    return {
        "id": container.id,
        "state": container.state,
        "type": "VIRTUAL",
        "barcode": None,
        "products": [_product(p) for p in container.products],
        "containers": None,
        "containerAttributes": container.attributes,
        "createdOn": stamp(container.created_at),
        "updatedOn": stamp(container.created_at),
    }


def _containers(containers: list[Container]) -> dict[str, Any] | None:
    return {"containers": [_container(c) for c in containers]} if containers else None


def _state(value: str) -> str:
    # A request the floor has not looked at yet reads CREATED, as in the vendor's example.
    return "CREATED" if value in (State.CREATED.value, "CREATED") else value


def line_view(sr: ServiceRequest, line: Line) -> dict[str, Any]:
    """A child line."""
    return {
        "id": line.id,
        "externalServiceRequestId": line.external_id,
        "serviceRequests": None,
        "type": sr.kind.line_type,
        "actuals": _containers(line.actuals),
        "expectations": _containers(line.expectations),
        "receivedOn": stamp(sr.received_at),
        "status": line.status,
        "state": _state(line.state),
        "attributes": hash_map(line.attributes or None),
        "createdOn": stamp(line.created_at),
        "updatedOn": stamp(line.updated_at),
    }


def request_view(sr: ServiceRequest) -> dict[str, Any]:
    """A top-level request, with its lines."""
    return {
        "id": sr.id,
        "externalServiceRequestId": sr.external_id,
        "serviceRequests": [line_view(sr, x) for x in sr.lines],
        "type": sr.kind.value,
        "actuals": _containers(sr.actuals),
        "expectations": None,
        "receivedOn": stamp(sr.received_at),
        "status": sr.status,
        "state": _state(sr.state.value),
        "attributes": hash_map(sr.attributes),
        "createdOn": stamp(sr.created_at),
        "updatedOn": stamp(sr.updated_at),
    }


def slot_view(slot: Slot) -> dict[str, Any]:
    """A product's stock on the floor."""
    return {
        "id": slot.id,
        "attributes": slot.attributes,
        "quantity": slot.quantity,
        "blocked": slot.blocked,
        "available": slot.available,
        "subpack": slot.subpack,
    }


def _line_product(line: Line) -> str:
    raw = line.product_attributes.get("filter_parameters")
    if isinstance(raw, list) and raw:
        return " and ".join(str(f) for f in raw)
    return ", ".join(f"{k} = '{v}'" for k, v in line.product_values().items())


def board_view(sr: ServiceRequest) -> dict[str, Any]:
    """The request on pickbay's board: its lines, the triggers allowed now, its own view."""
    return {
        "lines": [
            {
                "key": x.external_id,
                "sku": _line_product(x),
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
