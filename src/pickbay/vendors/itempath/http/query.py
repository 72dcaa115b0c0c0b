"""ItemPath's list arguments: `field=[op]value` filters, limit, offset, orderBy, countOnly."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pickbay.core.errors import InvalidInput
from pickbay.core.query import Condition, Day, Kind, ListQuery, Op, Sort, Value
from pickbay.vendors.itempath.model import Direction

MAX_LIMIT = 1000
DEFAULT_LIMIT = 250
# pickbay's limits where the vendor documents none (docs/itempath.md): each keeps a request
# inside what both databases take (64-bit offsets, SQLite's expression depth and LIKE length).
MAX_OFFSET = 2_147_483_647
MAX_VALUES = 200  # values of one [or] / [nor]
MAX_PATTERN = 1000  # characters of one [like] / [notlike] pattern
_PREFIX = re.compile(r"^\[([a-z]+)\](.*)$", re.IGNORECASE | re.DOTALL)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class FieldSpec:
    """An argument name's column, how its values compare, and how its text parses."""

    column: str
    kind: Kind
    names: dict[str, int] | None = None  # words accepted for an integer (directionType)


def _info(prefix: str = "info") -> dict[str, FieldSpec]:
    return {f"Info{n}": FieldSpec(f"{prefix}{n}", Kind.TEXT) for n in range(1, 6)}


DIRECTION_NAMES = {d.name.lower(): int(d) for d in Direction}

ORDER_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("uuid", Kind.TEXT),
    "name": FieldSpec("name", Kind.TEXT),
    "directionType": FieldSpec("direction_type", Kind.INT, DIRECTION_NAMES),
    "priority": FieldSpec("priority", Kind.INT),
    "status": FieldSpec("status", Kind.TEXT),
    "hasStock": FieldSpec("has_stock", Kind.INT),
    "incompleteAllocations": FieldSpec("incomplete_allocations", Kind.INT),
    "type": FieldSpec("order_type", Kind.INT),
    "orderType": FieldSpec("order_type", Kind.INT),
    **_info(),
    "deadline": FieldSpec("deadline", Kind.DATETIME),
    "modifiedDate": FieldSpec("modified_date", Kind.DATETIME),
    "creationDate": FieldSpec("created_date", Kind.DATETIME),
    "warehouseName": FieldSpec("warehouse_name", Kind.TEXT),
    "owner": FieldSpec("owner", Kind.TEXT),
    "recipient": FieldSpec("recipient", Kind.TEXT),
    "unit": FieldSpec("unit", Kind.TEXT),
    "handlingUnit": FieldSpec("handling_unit", Kind.TEXT),
    "countEmptyLocations": FieldSpec("count_empty_locations", Kind.BOOL),
}

LINE_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("uuid", Kind.TEXT),
    "orderId": FieldSpec("order_uuid", Kind.TEXT),
    "directionType": FieldSpec("direction_type", Kind.INT, DIRECTION_NAMES),
    "number": FieldSpec("number", Kind.INT),
    "materialId": FieldSpec("material_uuid", Kind.TEXT),
    "materialName": FieldSpec("material_name", Kind.TEXT),
    "quantity": FieldSpec("quantity", Kind.FLOAT),
    "quantityConfirmed": FieldSpec("quantity_confirmed", Kind.FLOAT),
    "quantityDeviated": FieldSpec("quantity_deviated", Kind.FLOAT),
    "quantityRequested": FieldSpec("quantity_requested", Kind.FLOAT),
    "lot": FieldSpec("lot", Kind.TEXT),
    "serialNumber": FieldSpec("serial_number", Kind.TEXT),
    "qualification": FieldSpec("qualification", Kind.TEXT),
    "hostIdentification": FieldSpec("host_identification", Kind.TEXT),
    **_info(),
    "status": FieldSpec("status", Kind.TEXT),
    "modifiedDate": FieldSpec("modified_date", Kind.DATETIME),
}

MATERIAL_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("uuid", Kind.TEXT),
    "name": FieldSpec("name", Kind.TEXT),
    "Description": FieldSpec("description", Kind.TEXT),
    "unitOfMeasure": FieldSpec("unit_of_measure", Kind.TEXT),
    **_info(),
    "currentQuantity": FieldSpec("current_quantity", Kind.FLOAT),
    "pickQuantity": FieldSpec("pick_quantity", Kind.FLOAT),
    "putQuantity": FieldSpec("put_quantity", Kind.FLOAT),
    "expectedQuantity": FieldSpec("expected_quantity", Kind.FLOAT),
    "netQuantity": FieldSpec("net_quantity", Kind.FLOAT),
    "isBlocked": FieldSpec("is_blocked", Kind.INT),
    "creationDate": FieldSpec("creation_date", Kind.DATETIME),
    "modifiedDate": FieldSpec("modified_date", Kind.DATETIME),
}


TRANSACTION_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("uuid", Kind.TEXT),
    "creationDate": FieldSpec("creation_date", Kind.DATETIME),
    "type": FieldSpec("type", Kind.INT),
    "motiveType": FieldSpec("motive_type", Kind.INT),
    "exportStateType": FieldSpec("export_state_type", Kind.INT),
    "directionType": FieldSpec("direction_type", Kind.INT, DIRECTION_NAMES),
    "orderId": FieldSpec("order_uuid", Kind.TEXT),
    "orderName": FieldSpec("order_name", Kind.TEXT),
    "orderLineId": FieldSpec("order_line_uuid", Kind.TEXT),
    "orderLineNumber": FieldSpec("line_number", Kind.INT),
    "materialId": FieldSpec("material_uuid", Kind.TEXT),
    "materialName": FieldSpec("material_name", Kind.TEXT),
    "materialInfo1": FieldSpec("material_info1", Kind.TEXT),
    "quantity": FieldSpec("quantity", Kind.FLOAT),
    "quantityConfirmed": FieldSpec("quantity_confirmed", Kind.FLOAT),
    "quantityDeviated": FieldSpec("quantity_deviated", Kind.FLOAT),
    "lot": FieldSpec("lot", Kind.TEXT),
    "serialNumber": FieldSpec("serial_number", Kind.TEXT),
    "handlingUnit": FieldSpec("handling_unit", Kind.TEXT),
    "storageUnitName": FieldSpec("storage_unit_name", Kind.TEXT),
    "warehouseName": FieldSpec("warehouse_name", Kind.TEXT),
}

STORAGE_UNIT_FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("uuid", Kind.TEXT),
    "name": FieldSpec("name", Kind.TEXT),
    "description": FieldSpec("description", Kind.TEXT),
    "type": FieldSpec("type", Kind.INT),
    "warehouseId": FieldSpec("warehouse_uuid", Kind.TEXT),
    "depthSteps": FieldSpec("depth_steps", Kind.INT),
    "widthSteps": FieldSpec("width_steps", Kind.INT),
    "grossDepth": FieldSpec("gross_depth", Kind.INT),
    "grossWidth": FieldSpec("gross_width", Kind.INT),
    "netDepth": FieldSpec("net_depth", Kind.INT),
    "netWidth": FieldSpec("net_width", Kind.INT),
    "maxWeight": FieldSpec("max_weight", Kind.INT),
    "isManualSequenceNumbers": FieldSpec("is_manual_sequence_numbers", Kind.INT),
}


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput({name: [message]})


def parse_value(name: str, spec: FieldSpec, text: str, now: datetime) -> Value:
    """One filter value in the field's type; `null` matches an empty field."""
    if text.lower() == "null":
        return None
    kind = spec.kind
    try:
        if kind is Kind.TEXT:
            return text
        if kind is Kind.INT:
            if spec.names is not None and text.strip().lower() in spec.names:
                return spec.names[text.strip().lower()]
            return int(text)
        if kind is Kind.FLOAT:
            number = float(text)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError(text)
            return number
        if kind is Kind.BOOL:
            lowered = text.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ValueError(text)
        return parse_date(text, now)
    except ValueError:
        raise _bad(name, f"'{text}' is not a valid {kind.value} for {name}.") from None


def _months_ago(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if the
    day is past it)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = (following - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def parse_date(text: str, now: datetime) -> datetime | Day:
    """A date argument, as the vendor's API course lists them ("Date Format"): the words
    `now`, `today`, `yesterday` (the start of that day), `lastDay` (24 hours ago),
    `lastWeek`, `lastMonth`, `lastYear` (on pickbay's clock, UTC); YYYY-MM-DD (a whole day);
    YYYY-MM (its first day); or a date and time, to the hour or finer (UTC if unzoned)."""
    stripped = text.strip()
    relative = {
        "now": now,
        "lastday": now - timedelta(days=1),
        "lastweek": now - timedelta(weeks=1),
        "lastmonth": _months_ago(now, 1),
        "lastyear": _months_ago(now, 12),
    }
    lowered = stripped.lower()
    if lowered == "today":
        return Day(now.date())
    if lowered == "yesterday":
        return Day(now.date() - timedelta(days=1))
    if lowered in relative:
        return relative[lowered]
    if _DATE.match(stripped):
        return Day(date.fromisoformat(stripped))
    month = _MONTH.match(stripped)
    if month:
        return Day(date(int(month.group(1)), int(month.group(2)), 1))
    moment = datetime.fromisoformat(stripped)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_condition(
    name: str, spec: FieldSpec, raw: str, now: datetime, *, dynamic: bool = False
) -> Condition:
    """`[op]value` (or a bare value) as a condition on `spec`'s column."""
    op, text = Op.EQ, raw
    prefixed = _PREFIX.match(raw)
    if prefixed:
        try:
            op = Op(prefixed.group(1).lower())
        except ValueError:
            raise _bad(name, f"Unknown operator '[{prefixed.group(1)}]'.") from None
        if op is Op.EQ:
            raise _bad(name, "Unknown operator '[eq]'.")
        text = prefixed.group(2)
    if op in (Op.LIKE, Op.NOTLIKE):
        if spec.kind is not Kind.TEXT:
            raise _bad(name, f"[{op.value}] works on text fields only.")
        if not text:
            raise _bad(name, f"[{op.value}] needs a value.")
        if len(text) > MAX_PATTERN:
            raise _bad(name, f"[{op.value}] takes at most {MAX_PATTERN} characters.")
        return Condition(spec.column, spec.kind, op, (text,), dynamic)
    if op in (Op.OR, Op.NOR):
        parts = text.split(";")
        if not text or any(p == "" for p in parts):
            raise _bad(name, f"[{op.value}] takes values separated by ';'.")
        if len(parts) > MAX_VALUES:
            raise _bad(name, f"[{op.value}] takes at most {MAX_VALUES} values.")
        values = tuple(parse_value(name, spec, p, now) for p in parts)
        return Condition(spec.column, spec.kind, op, values, dynamic)
    if text == "" and spec.kind is not Kind.TEXT:
        raise _bad(name, f"{name} needs a value.")
    value = parse_value(name, spec, text, now)
    if value is None and op not in (Op.EQ, Op.NOT):
        raise _bad(name, f"[{op.value}] cannot compare with null.")
    return Condition(spec.column, spec.kind, op, (value,), dynamic)


def _integer(name: str, raw: str, low: int, high: int | None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, f"{name} must be an integer.") from None
    if value < low or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _bad(name, f"{name} must be {span}.")
    return value


def _sort(raw: str, fields: dict[str, FieldSpec]) -> tuple[Sort, ...]:
    keys: list[Sort] = []
    for part in raw.split(","):
        token = part.strip()
        descending = token.startswith("-")
        name = token.lstrip("-+").strip()
        spec = fields.get(name)
        if spec is None:
            raise _bad("orderBy", f"Cannot order by '{name}'.")
        keys.append(Sort(spec.column, descending))
    return tuple(keys)


async def parse_list(
    params: Sequence[tuple[str, str]],
    fields: dict[str, FieldSpec],
    now: datetime,
    *,
    dynamic: Callable[[str], Awaitable[bool]] | None = None,
) -> ListQuery:
    """A list query from the request's arguments; 400 for anything it cannot use.

    With `dynamic`, an argument that names no attribute filters on that custom field,
    provided some order has it (so a misspelt argument is an error, not an empty list).
    """
    limit, offset, count_only = DEFAULT_LIMIT, 0, False
    sort: tuple[Sort, ...] = ()
    conditions: list[Condition] = []
    for name, raw in params:
        if name == "limit":
            limit = _integer(name, raw, 1, MAX_LIMIT)
        elif name == "offset":
            offset = _integer(name, raw, 0, MAX_OFFSET)
        elif name == "orderBy":
            sort += _sort(raw, fields)
        elif name == "countOnly":
            if raw.strip().lower() not in ("true", "false", "1", "0"):
                raise _bad(name, "countOnly must be true or false.")
            count_only = raw.strip().lower() in ("true", "1")
        elif name in fields:
            conditions.append(parse_condition(name, fields[name], raw, now))
        elif dynamic is not None and await dynamic(name):
            spec = FieldSpec(name, Kind.TEXT)
            conditions.append(parse_condition(name, spec, raw, now, dynamic=True))
        else:
            raise _bad(name, f"Unknown argument '{name}'.")
    return ListQuery(tuple(conditions), sort, limit, offset, count_only)
