"""ItemPath response shapes, key for key as the vendor's examples show them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pickbay.vendors.itempath.http.bodies import DEFAULT_DYNAMIC
from pickbay.vendors.itempath.model import (
    LIFECYCLE,
    LINE_ATTRIBUTES,
    STORAGE_UNIT,
    LiftLine,
    LiftOrder,
    OrderStatus,
    power_pick_time,
)


def when(value: datetime | None) -> str | None:
    """ItemPath's timestamps: UTC without a zone, in SQL Server's steps, six digits shown."""
    if value is None:
        return None
    return power_pick_time(value.astimezone(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")


def line_in_order(line: LiftLine) -> dict[str, Any]:
    """A line as an order shows it."""
    return {
        "number": line.number,
        "serialNumber": line.fields.get("serial_number"),
        "materialName": line.material_name,
        "quantity": line.quantity,
        "quantityDeviated": line.quantity_deviated,
        "id": line.id,
        "quantityConfirmed": line.quantity_confirmed,
        "modifiedDate": when(line.modified_at),
        "quantityRequested": line.quantity_requested,
        "lot": line.fields.get("lot"),
    }


def line_view(line: LiftLine, order_id: str, direction: int) -> dict[str, Any]:
    """A line as `/api/order_lines` shows it: every attribute."""
    view: dict[str, Any] = {
        "id": line.id,
        "orderId": order_id,
        "number": line.number,
        "directionType": direction,
        "materialId": line.material_id,
        "materialName": line.material_name,
        "quantity": line.quantity,
        "quantityRequested": line.quantity_requested,
        "quantityConfirmed": line.quantity_confirmed,
        "quantityDeviated": line.quantity_deviated,
        "status": line.status.value,
        "lot": line.fields.get("lot"),
        "serialNumber": line.fields.get("serial_number"),
        "qualification": line.fields.get("qualification"),
        "hostIdentification": line.fields.get("host_identification"),
    }
    for n in range(1, 6):
        view[f"Info{n}"] = line.fields.get(f"info{n}")
    view["modifiedDate"] = when(line.modified_at)
    view.update({k: v for k, v in line.fields.items() if k not in LINE_ATTRIBUTES})
    return view


def order_view(order: LiftOrder) -> dict[str, Any]:
    """An order with its lines, as list, show, create and update return it."""
    f, d = order.fields, order.dynamic
    view: dict[str, Any] = {
        "warehouseName": f.get("warehouse_name"),
        "Info5": f.get("info5"),
        "id": order.id,
        "order_lines": [line_in_order(line) for line in order.lines],
        "modifiedDate": when(order.modified_at),
        "handlingUnit": f.get("handling_unit"),
        "ORDERISSUETO": d.get("ORDERISSUETO"),
        "Info3": f.get("info3"),
        "orderType": order.order_type,
        "ORDERNOTE": d.get("ORDERNOTE"),
        "ORDERFACILITY": d.get("ORDERFACILITY"),
        "status": order.status.value,
        "hasStock": order.has_stock,
        "directionType": int(order.direction),
        "Info1": f.get("info1"),
        "ORDERINFO6": d.get("ORDERINFO6"),
        "Info2": f.get("info2"),
        "unit": f.get("unit"),
        "priority": order.priority,
        "storageUnits": [dict(STORAGE_UNIT)] if _at_the_lift(order) else [],
        "incompleteAllocations": order.incomplete_allocations,
        "Info4": f.get("info4"),
        "name": order.name,
        "deadline": when(f.get("deadline")),
    }
    view.update({k: v for k, v in d.items() if k not in DEFAULT_DYNAMIC})
    return view


def _at_the_lift(order: LiftOrder) -> bool:
    """An order that is (or, posted, asks to be) allocated names the lift's storage unit.

    The seed's create example answers a queued order with `allocate: true` so; after its
    update with `allocate: "false"` the list is empty.
    """
    if order.status is OrderStatus.QUEUED:
        return order.allocate
    return order.status in (OrderStatus.ALLOCATED, OrderStatus.IN_PROCESS, OrderStatus.PROCESSED)


def material_view(row: dict[str, Any]) -> dict[str, Any]:
    """A material with its stock figures."""
    current, pick, put = row["current_quantity"], row["pick_quantity"], row["put_quantity"]
    view: dict[str, Any] = {
        "id": row["uuid"],
        "name": row["name"],
        "Description": row["description"],
        "unitOfMeasure": row["unit_of_measure"],
        "currentQuantity": current,
        "pickQuantity": pick,
        "putQuantity": put,
        "expectedQuantity": current + put,
        "netQuantity": current + put - pick,
        "isBlocked": row["is_blocked"],
        "creationDate": when(row["creation_date"]),
        "modifiedDate": when(row["modified_date"]),
    }
    for n in range(1, 6):
        view[f"Info{n}"] = row[f"info{n}"]
    return view


def transaction_view(row: dict[str, Any]) -> dict[str, Any]:
    """A history row: the reference's attributes, then the ones it lists after motiveType."""
    return {
        "id": row["uuid"],
        "batchName": None,
        "binName": None,
        "carrierName": None,
        "creationDate": when(row["creation_date"]),
        "directionType": row["direction_type"],
        "expiryDate": None,
        "exportStateType": row["export_state_type"],
        "handlingUnit": row["handling_unit"],
        "locationName": None,
        "lot": row["lot"],
        "materialId": row["material_uuid"],
        "materialInfo1": row["material_info1"],
        "materialName": row["material_name"],
        "motiveType": row["motive_type"],
        "orderId": row["order_uuid"],
        "orderLineId": row["order_line_uuid"],
        "orderLineNumber": row["line_number"],
        "orderName": row["order_name"],
        "quantity": row["quantity"],
        "quantityConfirmed": row["quantity_confirmed"],
        "quantityDeviated": row["quantity_deviated"],
        "serialNumber": row["serial_number"],
        "storageUnitName": row["storage_unit_name"],
        "type": row["type"],
        "warehouseName": row["warehouse_name"],
    }


def board_view(order: LiftOrder) -> dict[str, Any]:
    """The order on pickbay's board: its lines, the triggers allowed now, its own view."""
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
        "triggers": [t.value for t in LIFECYCLE.triggers(order.status)],
        "native": order_view(order),
    }


def storage_unit_view(row: dict[str, Any]) -> dict[str, Any]:
    """A storage unit, its attributes in the order of the vendor's reference page."""
    return {
        "name": row["name"],
        "id": row["uuid"],
        "depthSteps": row["depth_steps"],
        "description": row["description"],
        "grossDepth": row["gross_depth"],
        "grossWidth": row["gross_width"],
        "isManualSequenceNumbers": row["is_manual_sequence_numbers"],
        "maxWeight": row["max_weight"],
        "netDepth": row["net_depth"],
        "netWidth": row["net_width"],
        "type": row["type"],
        "warehouseId": row["warehouse_uuid"],
        "widthSteps": row["width_steps"],
    }
