"""ItemPath request bodies: every attribute, limit and value set of the vendor's docs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pickbay.core.errors import Errors, InvalidInput
from pickbay.vendors.itempath import machine
from pickbay.vendors.itempath.model import WAREHOUSE_NAME, Direction, ExportState
from pickbay.vendors.itempath.service import NewLiftOrder, NewLine, OrderChanges

REQUIRED = "Missing data for required field."
DYNAMIC_LIMIT = 1999
# Text fields also take numbers (as their text): pickbay's bound, by value, so the document can
# state it (a JSON number's text depends on how it is written; its value does not).
NUMBER_LIMIT = 1e15
# Custom order fields every order shows (null until set), as the vendor's examples do.
DEFAULT_DYNAMIC = ("ORDERISSUETO", "ORDERNOTE", "ORDERFACILITY", "ORDERINFO6")
# Response attributes a client may send back unchanged; they are computed, never set.
READ_ONLY = frozenset(
    [
        "id",
        "status",
        "hasStock",
        "incompleteAllocations",
        "modifiedDate",
        "modifedAt",
        "orderType",
        "type",
        "storageUnits",
        "errorCode",
        "errorDescription",
    ]
)
INFO_LIMIT = 80  # Info1..Info5 of a new order, its lines and materials
CHANGED_INFO_LIMIT = 50  # Info1..Info5 of an order update
# Material attributes the lift computes: accepted in a body and ignored.
MATERIAL_COMPUTED = ("id", "currentQuantity", "pickQuantity", "putQuantity", "netQuantity")
ORDER_TEXT = {"owner": 50, "recipient": 50, "unit": 50, "handlingUnit": 50}
_ORDER_COLUMN = {"handlingUnit": "handling_unit", "unti": "unit"}
LINE_TEXT = {"lot": 50, "serialNumber": 50, "qualification": 50, "hostIdentification": 50}
_LINE_COLUMN = {
    "serialNumber": "serial_number",
    "hostIdentification": "host_identification",
}
REFERENCE_LISTS = ("carriers", "locations", "shelves", "zones")
_INFO = frozenset(f"Info{n}" for n in range(1, 6))


def _text(errors: Errors, name: str, value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.add(name, "Not a valid string.")
        return None
    if not isinstance(value, str) and not -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
        errors.add(name, f"A number is taken as text here, up to {NUMBER_LIMIT:g} in size.")
        return None
    text = (
        value
        if isinstance(value, str)
        else f"{value:g}"
        if isinstance(value, float)
        else str(value)
    )
    if len(text) > limit:
        errors.add(name, f"Longer than maximum length {limit}.")
        return None
    return text


def _bool(errors: Errors, name: str, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    errors.add(name, "Not a valid boolean.")
    return None


def _datetime(errors: Errors, name: str, value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    errors.add(name, "Not a valid datetime.")
    return None


def _direction(errors: Errors, value: Any) -> Direction | None:
    try:
        return Direction.parse(value)
    except (ValueError, KeyError):
        errors.add(
            "directionType",
            "Must be one of: 1 or put, 2 or pick, 3 or return, 4 or transport, 5 or count, "
            "7 or production.",
        )
        return None


def _priority(errors: Errors, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        errors.add("priority", "Must be one of: 1, 2, 3, 4.")
        return None
    return value


def _references(errors: Errors, name: str, value: Any) -> list[dict[str, str]] | None:
    ok = isinstance(value, list) and all(
        isinstance(x, dict)
        and len(x) == 1
        and next(iter(x)) in ("id", "name")
        and isinstance(next(iter(x.values())), str)
        for x in value
    )
    if not ok:
        errors.add(name, 'A list of {"id": ...} or {"name": ...} objects is required.')
        return None
    return list(value)


def _dynamic(errors: Errors, name: str, value: Any) -> str | None:
    if len(name) > 100:
        errors.add(name, "Field names are at most 100 characters long.")
        return None
    if value is not None and not isinstance(value, str):
        errors.add(name, "Dynamic fields hold strings.")
        return None
    if value is not None and len(value) > DYNAMIC_LIMIT:
        errors.add(name, f"Longer than maximum length {DYNAMIC_LIMIT}.")
        return None
    return value


def _warehouse(errors: Errors, body: dict[str, Any]) -> str | None:
    name, wid = body.get("warehouseName"), body.get("warehouseId")
    if name is not None and wid is not None:
        errors.add("warehouseId", "Send warehouseName or warehouseId, not both.")
        return None
    if wid is not None:
        if not isinstance(wid, str) or wid.upper() != machine.WAREHOUSE_ID:
            errors.add("warehouseId", f"Warehouse '{wid}' does not exist.")
            return None
        return WAREHOUSE_NAME
    if name is not None and name != WAREHOUSE_NAME:
        errors.add("warehouseName", f"Warehouse '{name}' does not exist.")
        return None
    return WAREHOUSE_NAME if name is not None else None


def _attributes(
    errors: Errors, body: dict[str, Any], info_limit: int
) -> tuple[dict[str, Any], dict[str, str | None]]:
    """The order attributes every body may carry: stored columns, and dynamic fields."""
    fields: dict[str, Any] = {}
    dynamic: dict[str, str | None] = {}
    handled = {"name", "directionType", "priority", "allocate", "order_lines"}
    handled |= {"warehouseName", "warehouseId"} | READ_ONLY
    for key, value in body.items():
        if key in handled:
            continue
        if key in _INFO:
            fields[key.lower()] = _text(errors, key, value, info_limit)
        elif key in ORDER_TEXT or key == "unti":
            fields[_ORDER_COLUMN.get(key) or key] = _text(errors, key, value, 50)
        elif key == "deadline":
            fields["deadline"] = _datetime(errors, key, value)
        elif key == "countEmptyLocations":
            fields["count_empty_locations"] = bool(_bool(errors, key, value))
        elif key in REFERENCE_LISTS:
            fields[key] = _references(errors, key, value)
        else:
            dynamic[key] = _dynamic(errors, key, value)
    if "warehouseName" in body or "warehouseId" in body:
        fields["warehouse_name"] = _warehouse(errors, body)
    return fields, dynamic


def _name(errors: Errors, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add("name", "Not a valid string." if value is not None else REQUIRED)
        return None
    if len(value) > 50:
        errors.add("name", "Longer than maximum length 50.")
        return None
    return value


def _line(errors: Errors, where: str, raw: Any) -> NewLine | None:
    if not isinstance(raw, dict):
        errors.add(where, "An order line is an object.")
        return None
    quantity = raw.get("quantity")
    if quantity is None:
        errors.add(f"{where}.quantity", REQUIRED)
    elif isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity <= 0:
        errors.add(f"{where}.quantity", "Must be a number greater than 0.")
        quantity = None
    material_id, material_name = raw.get("materialId"), raw.get("materialName")
    if material_id is None and material_name is None:
        errors.add(f"{where}.materialId", "Send materialId or materialName.")
    for key, value in (("materialId", material_id), ("materialName", material_name)):
        if value is not None and (not isinstance(value, str) or len(value) > 50):
            errors.add(f"{where}.{key}", "Not a valid string.")
    number = raw.get("number")
    if number is not None and (
        isinstance(number, bool) or not isinstance(number, int) or number < 1
    ):
        errors.add(f"{where}.number", "Must be an integer of at least 1.")
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("quantity", "materialId", "materialName", "number", "orderId"):
            continue
        if key in _INFO:
            fields[key.lower()] = _text(errors, f"{where}.{key}", value, INFO_LIMIT)
        elif key in LINE_TEXT:
            fields[_LINE_COLUMN.get(key) or key] = _text(errors, f"{where}.{key}", value, 50)
        else:
            fields[key] = _dynamic(errors, f"{where}.{key}", value)
    if quantity is None or (material_id is None and material_name is None):
        return None
    return NewLine(
        quantity=float(quantity),
        material_id=material_id if isinstance(material_id, str) else None,
        material_name=material_name if isinstance(material_name, str) else None,
        number=number if isinstance(number, int) and not isinstance(number, bool) else None,
        fields=fields,
    )


def new_line(raw: Any) -> NewLine:
    """One line posted on its own (`/api/order_lines`)."""
    errors = Errors()
    line = _line(errors, "order_line", raw)
    errors.raise_any()
    assert line is not None
    return line


def new_order(body: Any) -> NewLiftOrder:
    """A create body as a new order; 400 naming every problem."""
    errors = Errors()
    if not isinstance(body, dict):
        raise InvalidInput({"order": ["An order is a JSON object."]})
    name = _name(errors, body.get("name"))
    raw_lines = body.get("order_lines")
    lines: list[NewLine] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.add("order_lines", "Order must have at least one order line.")
    else:
        for n, raw in enumerate(raw_lines):
            line = _line(errors, f"order_lines[{n}]", raw)
            if line is not None:
                lines.append(line)
    direction = _direction(errors, body.get("directionType", 2))
    priority = _priority(errors, body.get("priority", 2))
    allocate = _bool(errors, "allocate", body.get("allocate", False))
    fields, dynamic = _attributes(errors, body, info_limit=INFO_LIMIT)
    fields.setdefault("warehouse_name", WAREHOUSE_NAME)
    errors.raise_any()
    assert name is not None
    assert direction is not None
    assert priority is not None
    return NewLiftOrder(
        name=name,
        direction=direction,
        lines=lines,
        priority=priority,
        allocate=bool(allocate),
        fields=fields,
        dynamic=dynamic,
    )


def changes(body: Any) -> OrderChanges:
    """An update body: only the keys sent change; 400 naming every problem."""
    errors = Errors()
    if not isinstance(body, dict):
        raise InvalidInput({"order": ["An update is a JSON object."]})
    name = _name(errors, body["name"]) if "name" in body else None
    direction = _direction(errors, body["directionType"]) if "directionType" in body else None
    priority = _priority(errors, body["priority"]) if "priority" in body else None
    allocate = _bool(errors, "allocate", body["allocate"]) if "allocate" in body else None
    if "order_lines" in body:
        errors.add("order_lines", "Change order lines through /api/order_lines.")
    fields, dynamic = _attributes(errors, body, info_limit=CHANGED_INFO_LIMIT)
    errors.raise_any()
    return OrderChanges(
        name=name,
        direction=direction,
        priority=priority,
        allocate=allocate,
        fields=fields,
        dynamic=dynamic,
    )


MATERIAL_TEXT = {"name": 50, "Description": 200, "unitOfMeasure": 50} | {
    f"Info{n}": INFO_LIMIT for n in range(1, 6)
}
_MATERIAL_COLUMN = {"Description": "description", "unitOfMeasure": "unit_of_measure"} | {
    f"Info{n}": f"info{n}" for n in range(1, 6)
}


def material(body: Any, *, create: bool) -> dict[str, Any]:
    """Material attributes to store; `name` is required on create."""
    errors = Errors()
    if not isinstance(body, dict):
        raise InvalidInput({"material": ["A material is a JSON object."]})
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key in MATERIAL_TEXT:
            values[_MATERIAL_COLUMN.get(key) or key] = _text(errors, key, value, MATERIAL_TEXT[key])
        elif key == "isBlocked":
            blocked = _bool(errors, key, value)
            values["is_blocked"] = int(bool(blocked))
        elif key in MATERIAL_COMPUTED:
            continue  # computed by the lift, never set through the API
        else:
            errors.add(key, "Unknown field.")
    if create and not values.get("name"):
        errors.add("name", REQUIRED)
    if "name" in values and not values["name"]:
        errors.add("name", "Not a valid string.")
    errors.raise_any()
    return values


def export_state(body: Any) -> ExportState:
    """A transaction update: `exportStateType` (0 to 6, a number or its digit) and nothing else."""
    errors = Errors()
    if not isinstance(body, dict):
        raise InvalidInput({"transaction": ["An update is a JSON object."]})
    for key in body:
        if key != "exportStateType":
            errors.add(key, "Only exportStateType of a transaction can change.")
    value = body.get("exportStateType")
    if isinstance(value, str) and len(value) == 1 and value.isdecimal():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in set(ExportState):
        errors.add("exportStateType", "Must be one of: 0, 1, 2, 3, 4, 5, 6.")
    errors.raise_any()
    assert isinstance(value, int)
    return ExportState(value)
