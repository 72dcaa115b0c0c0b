"""ItemPath's request bodies and answers as its OpenAPI document states them.

The bodies are read by hand (`bodies.py`), as Power Pick reads them: text fields also take
numbers, booleans also take "true"/"false" and 0/1, and keys the document does not list are
custom order fields (up to 1,999 characters), so every object allows more properties.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pickbay.core.patterns import NOT_SPACE, SPACE, any_case
from pickbay.vendors.itempath.http.bodies import (
    CHANGED_INFO_LIMIT,
    DYNAMIC_LIMIT,
    INFO_LIMIT,
    LINE_TEXT,
    MATERIAL_COMPUTED,
    MATERIAL_TEXT,
    NUMBER_LIMIT,
    ORDER_TEXT,
    REFERENCE_LISTS,
)
from pickbay.vendors.itempath.machine import WAREHOUSE_ID
from pickbay.vendors.itempath.model import WAREHOUSE_NAME, Direction, LineStatus, OrderStatus

JSON = ("application/json",)


def _text(limit: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "anyOf": [
            {"type": "string", "maxLength": limit},
            {
                "type": "number",
                "minimum": -NUMBER_LIMIT,
                "maximum": NUMBER_LIMIT,
                "description": "taken as its text",
            },
            {"type": "null"},
        ]
    }
    if description:
        schema["description"] = description
    return schema


BOOLEAN = {
    "anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}],
    "description": 'true or false (also "true", "false", 1 or 0)',
}
_NUMBERS = "".join(str(int(d)) for d in Direction)
_ANY_CASE = "|".join(any_case(d.name) for d in Direction)
DIRECTIONS = ", ".join(f"{int(d)} {d.name.lower()}" for d in Direction)
DIRECTION = {
    "anyOf": [
        {"type": "integer", "enum": [int(d) for d in Direction]},
        {"type": "string", "pattern": f"^{SPACE}*([{_NUMBERS}]|{_ANY_CASE}){SPACE}*$"},
    ],
    "description": DIRECTIONS
    + " (pick is the default); a name in any case, or the number as a string",
}
PRIORITY = {"type": "integer", "enum": [1, 2, 3, 4], "description": "1 to 4 (default 2)"}
NAME: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 50, "pattern": NOT_SPACE}

DYNAMIC = {
    "anyOf": [{"type": "string", "maxLength": DYNAMIC_LIMIT}, {"type": "null"}],
    "description": "A custom field (ORDERNOTE, ...): its name at most 100 characters",
}
REFERENCES = {
    "type": "array",
    "items": {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "additionalProperties": False,
    },
    "description": 'A list of {"id": ...} or {"name": ...}',
}
LINE_PROPERTIES: dict[str, Any] = {
    "materialId": {
        "type": "string",
        "maxLength": 50,
        "description": "The material's id (or send materialName)",
    },
    "materialName": {
        "type": "string",
        "maxLength": 50,
        "description": "The material's name (or materialId)",
    },
    "quantity": {"type": "number", "exclusiveMinimum": 0},
    "number": {"type": "integer", "minimum": 1, "description": "The line's number in its order"},
    **{name: _text(limit) for name, limit in LINE_TEXT.items()},
    **{f"Info{n}": _text(INFO_LIMIT) for n in range(1, 6)},
}
LINE: dict[str, Any] = {
    "type": "object",
    "required": ["quantity"],
    "anyOf": [{"required": ["materialId"]}, {"required": ["materialName"]}],
    "properties": LINE_PROPERTIES,
    "propertyNames": {"maxLength": 100},
    "additionalProperties": DYNAMIC,
}
ORDER_PROPERTIES: dict[str, Any] = {
    "name": NAME,
    "directionType": DIRECTION,
    "priority": PRIORITY,
    "allocate": BOOLEAN,
    "warehouseName": {
        "type": "string",
        "enum": [WAREHOUSE_NAME],
        "description": "Or warehouseId, not both (the sandbox has one warehouse)",
    },
    "warehouseId": {"type": "string", "pattern": f"^{any_case(WAREHOUSE_ID)}$"},
    "deadline": {"type": "string", "format": "date-time"},
    **{name: _text(limit) for name, limit in ORDER_TEXT.items()},
    "countEmptyLocations": BOOLEAN,
    **{name: REFERENCES for name in REFERENCE_LISTS},
}


def _order(info_limit: int) -> dict[str, Any]:
    return {**ORDER_PROPERTIES, **{f"Info{n}": _text(info_limit) for n in range(1, 6)}}


LOGIN = (
    "Login",
    {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "minLength": 1},
            "password": {"type": "string", "minLength": 1},
        },
    },
)
PUT_EXAMPLE = (
    "The vendor's example (Orders: Create Order)",
    {
        "name": "Sample Put Order",
        "directionType": "Put",
        "allocate": True,
        "order_lines": [
            {
                "materialId": "8E7EC42A-F2B2-4B64-BF71-750F006DEF8D",
                "quantity": 1,
                "Info1": "TEST",
                "serialNumber": n,
            }
            for n in (8, 9, 10, 12)
        ],
    },
)
NEW_ORDER = (
    "NewOrder",
    {
        "type": "object",
        "required": ["name", "order_lines"],
        "properties": {
            **_order(INFO_LIMIT),
            "order_lines": {"type": "array", "minItems": 1, "items": LINE},
        },
        "propertyNames": {"maxLength": 100},
        "additionalProperties": DYNAMIC,
        "not": {"required": ["warehouseName", "warehouseId"]},
    },
)
ORDER_CHANGES = (
    "OrderChanges",
    {
        "type": "object",
        "description": "Only the keys sent change; allocate true or false (de)allocates. "
        "Lines change through /api/order_lines.",
        "properties": _order(CHANGED_INFO_LIMIT),
        "propertyNames": {"maxLength": 100},
        "additionalProperties": DYNAMIC,
        "not": {"required": ["warehouseName", "warehouseId"]},
    },
)
NEW_LINE = (
    "NewOrderLine",
    {
        **LINE,
        "required": ["orderId", "quantity"],
        "properties": {"orderId": {"type": "string"}, **LINE_PROPERTIES},
    },
)
COMPUTED = {"description": "Computed by the lift: accepted and ignored"}
MATERIAL_PROPERTIES: dict[str, Any] = {
    **{name: _text(limit) for name, limit in MATERIAL_TEXT.items()},
    "name": NAME,
    "isBlocked": BOOLEAN,
    **{name: COMPUTED for name in MATERIAL_COMPUTED},
}
NEW_MATERIAL = (
    "NewMaterial",
    {
        "type": "object",
        "required": ["name"],
        "properties": MATERIAL_PROPERTIES,
        "additionalProperties": False,
    },
)
MATERIAL_CHANGES = (
    "MaterialChanges",
    {
        "type": "object",
        "description": "Only the keys sent change.",
        "properties": MATERIAL_PROPERTIES,
        "additionalProperties": False,
    },
)


# ---------------------------------------------------------------------- answers

Text = str | None


class StorageUnit(BaseModel):
    """Where an allocated order's lines wait: the lift module."""

    id: str
    name: str


class LineInOrder(BaseModel):
    """A line as its order shows it."""

    number: int
    serialNumber: Text
    materialName: str
    quantity: float
    quantityDeviated: float
    id: str
    quantityConfirmed: float
    modifiedDate: Text
    quantityRequested: float
    lot: Text


class Order(BaseModel):
    """An order with its lines, and its custom fields (ORDERNOTE, ...) as further keys."""

    model_config = ConfigDict(extra="allow")
    id: str
    name: str
    status: OrderStatus
    directionType: int = Field(description=DIRECTIONS)
    priority: int
    orderType: int
    hasStock: int
    incompleteAllocations: int
    order_lines: list[LineInOrder]
    storageUnits: list[StorageUnit] = Field(description="The lift module, once allocated.")
    modifiedDate: Text
    deadline: Text
    warehouseName: Text
    handlingUnit: Text
    unit: Text
    Info1: Text
    Info2: Text
    Info3: Text
    Info4: Text
    Info5: Text
    ORDERISSUETO: Text
    ORDERNOTE: Text
    ORDERFACILITY: Text
    ORDERINFO6: Text


class OrderLine(BaseModel):
    """An order line with every attribute (custom ones as further keys)."""

    model_config = ConfigDict(extra="allow")
    id: str
    orderId: str
    number: int
    directionType: int
    materialId: str
    materialName: str
    quantity: float
    quantityRequested: float
    quantityConfirmed: float
    quantityDeviated: float
    status: LineStatus
    lot: Text
    serialNumber: Text
    qualification: Text
    hostIdentification: Text
    Info1: Text
    Info2: Text
    Info3: Text
    Info4: Text
    Info5: Text
    modifiedDate: Text


class Material(BaseModel):
    """A material with its stock figures."""

    id: str
    name: str
    Description: Text
    unitOfMeasure: Text
    currentQuantity: float
    pickQuantity: float = Field(description="Allocated to picks not yet confirmed.")
    putQuantity: float = Field(description="Allocated to puts not yet confirmed.")
    expectedQuantity: float
    netQuantity: float
    isBlocked: int
    creationDate: Text
    modifiedDate: Text
    Info1: Text
    Info2: Text
    Info3: Text
    Info4: Text
    Info5: Text


class Transaction(BaseModel):
    """One row of Power Pick's history: what was done to one order line."""

    id: str
    batchName: Text
    binName: Text
    carrierName: Text
    creationDate: str
    directionType: int
    expiryDate: Text
    exportStateType: int = Field(
        description="0 NotSet, 1 cannot yet be exported, 2 ready to export, 3 exporting,"
        " 4 exported, 5 export failed, 6 not to be exported"
    )
    handlingUnit: Text
    locationName: Text
    lot: Text
    materialId: str
    materialInfo1: Text
    materialName: str
    motiveType: int = Field(description="0 NotSet, 2 Shortage, 5 Deleted (of those written)")
    orderId: str
    orderLineId: str
    orderLineNumber: int
    orderName: str
    quantity: float
    quantityConfirmed: float
    quantityDeviated: float
    serialNumber: Text
    storageUnitName: str
    type: int = Field(
        description="3 OrderPut, 4 OrderPick, 5 Transfer, 6 OrderCount, 11 CancelRequest,"
        " 13 Production (of those written)"
    )
    warehouseName: str


class StorageUnitDetail(BaseModel):
    """A storage unit of the installation (the sandbox has one: its lift module)."""

    name: str
    id: str
    depthSteps: int | None = Field(description="Position lights across the depth")
    description: Text
    grossDepth: int | None = Field(description="Outer depth, millimetres")
    grossWidth: int | None = Field(description="Outer width, millimetres")
    isManualSequenceNumbers: int = Field(description="0 False, 1 True")
    maxWeight: int | None = Field(description="Weight limit, grams")
    netDepth: int | None = Field(description="Usable depth, millimetres")
    netWidth: int | None = Field(description="Usable width, millimetres")
    type: int = Field(
        description="1 Static Rack, 2 Ground Storage, 3 Vertical Carousel, 4 Horizontal"
        " Carousel, 5 Shuttle (VLM), 6 Single File, 7 Material Handling Unit, 8 Production,"
        " 9 Vertical Buffer"
    )
    warehouseId: str
    widthSteps: int | None = Field(description="Position lights across the width")


class StorageUnits(BaseModel):
    """A page of storage units."""

    storage_units: list[StorageUnitDetail]


class OneStorageUnit(BaseModel):
    """One storage unit."""

    storage_unit: StorageUnitDetail


class Transactions(BaseModel):
    """A page of transactions."""

    transactions: list[Transaction]


class OneTransaction(BaseModel):
    """One transaction."""

    transaction: Transaction


TRANSACTION_CHANGES = (
    "TransactionChanges",
    {
        "type": "object",
        "description": "Only exportStateType can change.",
        "properties": {
            "exportStateType": {
                "anyOf": [
                    {"type": "integer", "minimum": 0, "maximum": 6},
                    {"type": "string", "pattern": "^[0-6]$"},
                ]
            }
        },
        "required": ["exportStateType"],
        "additionalProperties": False,
    },
)


class Tokens(BaseModel):
    """A signed-in user's tokens."""

    login: bool
    accessToken: str
    refreshToken: str


class AccessToken(BaseModel):
    """A new access token."""

    accessToken: str


class Count(BaseModel):
    """How many match (countOnly=true)."""

    count: int


class Orders(BaseModel):
    """A page of orders."""

    orders: list[Order]


class OneOrder(BaseModel):
    """One order."""

    order: Order


class OrderLines(BaseModel):
    """A page of order lines."""

    order_lines: list[OrderLine]


class OneOrderLine(BaseModel):
    """One order line."""

    order_line: OrderLine


class Materials(BaseModel):
    """A page of materials."""

    materials: list[Material]


class OneMaterial(BaseModel):
    """One material."""

    material: Material


class Deleted(BaseModel):
    """What a delete answers."""

    deleted: str = Field(examples=["true"])
