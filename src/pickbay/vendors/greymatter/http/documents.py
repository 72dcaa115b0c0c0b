"""GreyMatter's request bodies and answers as its OpenAPI document states them (the seed's
fields).

The bodies are read by hand (`bodies.py`), naming every problem by its JSON path; the
platform keeps fields it does not know, so every object allows more properties.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from pickbay.core.patterns import NOT_SPACE
from pickbay.vendors.greymatter.filters import PATTERN
from pickbay.vendors.greymatter.http.bodies import MAX_ID, MAX_QUANTITY
from pickbay.vendors.greymatter.model import PRIORITIES, RequestType

JSON = ("application/json",)
EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID, "pattern": NOT_SPACE}
TYPE = {"type": "string", "enum": [k.value for k in RequestType]}
PRODUCT = {
    "type": "object",
    "required": ["productQuantity", "productAttributes"],
    "properties": {
        "productQuantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
        "productAttributes": {
            "type": "object",
            "description": (
                "filter_parameters: a non-empty list of filters such as "
                "\"product_sku in ['2001']\" (a put names one product with '='); a put may "
                "give pdfa_values instead."
            ),
            "properties": {
                "filter_parameters": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": PATTERN},
                },
                "pdfa_values": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {"type": ["string", "integer"]},
                },
            },
            "anyOf": [{"required": ["filter_parameters"]}, {"required": ["pdfa_values"]}],
        },
    },
}
LINE = {
    "type": "object",
    "required": ["externalServiceRequestId", "type", "expectations"],
    "properties": {
        "externalServiceRequestId": EXTERNAL_ID,
        "type": {
            "type": "string",
            "enum": [k.line_type for k in RequestType],
            "description": "PICK_LINE under a PICK, PUT_LINE under a PUT",
        },
        "expectations": {
            "type": "object",
            "required": ["containers"],
            "properties": {
                "containers": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["products"],
                        "properties": {
                            "products": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 1,
                                "items": PRODUCT,
                            }
                        },
                    },
                }
            },
        },
    },
}
ATTRIBUTES: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pick_before_time": {"type": "string", "format": "date-time"},
        "pick_after_time": {"type": "string", "format": "date-time"},
        "simple_priority": {"type": "string", "enum": list(PRIORITIES)},
        "order_options": {"type": "object"},
    },
}
PICK_EXAMPLE = (
    "The vendor's example (Service Request: Create)",
    {
        "externalServiceRequestId": "16feb_033",
        "type": "PICK",
        "serviceRequests": [
            {
                "externalServiceRequestId": "lineid_01",
                "type": "PICK_LINE",
                "expectations": {
                    "containers": [
                        {
                            "products": [
                                {
                                    "productQuantity": 5,
                                    "productAttributes": {
                                        "filter_parameters": ["product_sku = 'MM00001'"]
                                    },
                                }
                            ]
                        }
                    ]
                },
            }
        ],
        "attributes": {
            "pick_before_time": "2018-04-09T18:00:00Z",
            "pick_after_time": "2018-04-09T18:00:00Z",
            "order_options": {"priority": 1},
        },
    },
)
NEW_REQUEST = (
    "ServiceRequestIn",
    {
        "type": "object",
        "required": ["externalServiceRequestId", "type", "serviceRequests"],
        "properties": {
            "externalServiceRequestId": EXTERNAL_ID,
            "type": TYPE,
            "serviceRequests": {"type": "array", "minItems": 1, "items": LINE},
            "attributes": ATTRIBUTES,
        },
    },
)
REFERENCE = (
    "ServiceRequestReference",
    {
        "type": "object",
        "required": ["externalServiceRequestId", "type"],
        "properties": {"externalServiceRequestId": EXTERNAL_ID, "type": TYPE},
    },
)
MODIFICATION = (
    "ServiceRequestModification",
    {
        "type": "object",
        "required": ["externalServiceRequestId", "type"],
        "description": "At least one of serviceRequests and attributes.",
        "anyOf": [{"required": ["serviceRequests"]}, {"required": ["attributes"]}],
        "properties": {
            "externalServiceRequestId": EXTERNAL_ID,
            "type": TYPE,
            "serviceRequests": {"type": "array", "minItems": 1, "items": LINE},
            "attributes": ATTRIBUTES,
        },
    },
)


# ---------------------------------------------------------------------- answers

Stamp = Annotated[
    str,
    Field(
        description="A LocalDateTime as the platform prints it (UTC, milliseconds without "
        "trailing zeros)",
        examples=["2018-04-09T18:00:00.12"],
    ),
]


class Product(BaseModel):
    """A product in a container."""

    id: int | None
    uid: str | None
    uidType: str | None
    productQuantity: int
    productAttributes: dict[str, Any] | None
    createdOn: Stamp | None
    updatedOn: Stamp | None


class Container(BaseModel):
    """A container of products (VIRTUAL: the floor's bookkeeping, not a tote)."""

    id: int
    state: str | None
    type: str
    barcode: str | None
    products: list[Product]
    containers: None
    containerAttributes: dict[str, Any] | None
    createdOn: Stamp
    updatedOn: Stamp


class Containers(BaseModel):
    """The containers expected or actually handled."""

    containers: list[Container]


class _Request(BaseModel):
    """What a request and its lines both show."""

    id: int
    externalServiceRequestId: str
    actuals: Containers | None
    receivedOn: Stamp
    status: str
    state: str
    attributes: dict[str, Any] | None
    createdOn: Stamp
    updatedOn: Stamp


class ServiceRequestLine(_Request):
    """A child service request (PICK_LINE or PUT_LINE)."""

    serviceRequests: None
    type: str
    expectations: Containers | None


class ServiceRequest(_Request):
    """A service request with its lines, as the platform returns it."""

    serviceRequests: list[ServiceRequestLine]
    type: RequestType
    expectations: None


class Accepted(BaseModel):
    """A cancel or modify taken on; an order_modification notification tells the outcome."""

    id: int = Field(description="The transaction id the notification carries.")
    externalServiceRequestId: str
    type: RequestType


class Slot(BaseModel):
    """A product's stock on the floor."""

    id: int
    attributes: dict[str, str]
    quantity: int
    blocked: int = Field(description="Eaches blocked for fulfillable picks.")
    available: int
    subpack: int = Field(description="Eaches per subpack (1: the product comes loose).")
