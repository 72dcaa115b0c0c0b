"""Request bodies of the Pickup Cloud API, validated strictly (as System.Text.Json does), and
the answers' shapes for its OpenAPI document."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from pickbay.vendors.pickup_cloud.model import PickupState

# Field limits. The vendor publishes none; these are pickbay's (docs/pickup-cloud.md).
ORDER_NUMBER_MAX = 100
NOTES_MAX = 2000
TEXT_MAX = 200
SCAN_CODE_MAX = 100
ARTICLES_MAX = 100

Required = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]

_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _midnight(value: Any) -> str:
    """A date without a time is its midnight, as System.Text.Json reads it into a DateTime."""
    if not isinstance(value, str):  # a JSON number or boolean is no DateTime either
        raise PydanticCustomError("datetime_type", "Input should be a valid datetime")
    return value + "T00:00:00" if _DATE_ONLY.fullmatch(value) else value


# Lax after the check above, so the text is parsed as in JSON mode (strict would refuse a str).
DateTime = Annotated[
    datetime,
    BeforeValidator(_midnight),
    Field(
        strict=False,
        description="A date and time, or a date alone (its midnight); UTC without an offset",
    ),
]
Optional200 = Annotated[str | None, Field(default=None, max_length=TEXT_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class CustomerDetails(_Strict):
    """Who picks the order up."""

    fullName: Optional200 = None
    address: Optional200 = None
    postalCode: Optional200 = None
    city: Optional200 = None
    country: Optional200 = None
    phoneNumber: Optional200 = None
    email: Optional200 = None


class ArticleIn(_Strict):
    """An ordered article: its barcode, name and number of packs."""

    scanCode: Annotated[str, Field(min_length=1, max_length=SCAN_CODE_MAX)]
    name: Annotated[str | None, Field(default=None, max_length=TEXT_MAX)] = None
    quantityOrdered: Annotated[int, Field(ge=1, le=2_147_483_647)]


class RecurrentArticleIn(ArticleIn):
    """An article collected every `interval` days."""

    interval: Annotated[int, Field(ge=1, le=99)]


class _OrderFields(_Strict):
    orderNumber: Annotated[str, Field(min_length=1, max_length=ORDER_NUMBER_MAX)]
    relatedNotes: Annotated[str | None, Field(default=None, max_length=NOTES_MAX)] = None
    dosageInformation: Annotated[str | None, Field(default=None, max_length=NOTES_MAX)] = None
    sendCustomerPickupMail: bool | None = False
    customerSelfRegistration: bool | None = False
    customerDetails: CustomerDetails | None = None


class OrderIn(_OrderFields):
    """A one-time pickup order."""

    articles: Annotated[list[ArticleIn], Field(min_length=1, max_length=ARTICLES_MAX)]


class OnBehalfOfOrderIn(OrderIn):
    """A one-time order created for another client (`origin`), which knows it by its own number."""

    origin: Annotated[
        str,
        Field(
            min_length=1,
            max_length=ORDER_NUMBER_MAX,
            description="The API client the order is made for, a label inside the caller's"
            " tenant: keys created with this origin find the order by its originOrderNumber",
        ),
    ]
    originOrderNumber: Annotated[
        str,
        Field(
            min_length=1,
            max_length=ORDER_NUMBER_MAX,
            description="The origin's own number, unique per origin in the tenant (409 if taken)",
        ),
    ]


class RecurrentOrderIn(_OrderFields):
    """An order whose articles are collected at regular intervals between two dates."""

    articles: Annotated[list[RecurrentArticleIn], Field(min_length=1, max_length=ARTICLES_MAX)]
    startDate: DateTime
    endDate: DateTime


class CancelIn(_Strict):
    """Why the order is cancelled."""

    cancellationReason: Annotated[str | None, Field(default=None, max_length=NOTES_MAX)] = None


# ---------------------------------------------------------------------- examples

SEED = "The vendor's example (its recurrent-order guide), its dates moved into the future"
_CUSTOMER = {
    "fullName": "Max Mustermann",
    "address": "Ansbacher Strasse 75",
    "postalCode": "55608",
    "city": "Schneppenbach",
    "country": "Deutschland",
    "phoneNumber": "+49 06544 97 08 25",
}
RECURRENT_EXAMPLE = {
    "orderNumber": "8e7c4ac1-91e5-4882-a914-05f7fc50e124",
    "relatedNotes": "string",
    "dosageInformation": "string",
    "sendCustomerPickupMail": True,
    "customerSelfRegistration": False,
    "customerDetails": _CUSTOMER,
    "articles": [
        {
            "scanCode": "5948912001188",
            "name": "Bayer Aspirin 500mg x 8",
            "quantityOrdered": 10,
            "interval": 10,
        }
    ],
    "startDate": "2040-05-23T00:00:00",
    "endDate": "2040-05-25T00:00:00",
}
ORDER_EXAMPLE = {
    "orderNumber": "34682734827",
    "relatedNotes": "string",
    "dosageInformation": "string",
    "sendCustomerPickupMail": True,
    "customerSelfRegistration": False,
    "customerDetails": _CUSTOMER,
    "articles": [
        {"scanCode": "5948912001188", "name": "Bayer Aspirin 500mg x 8", "quantityOrdered": 10}
    ],
}
ORDER_SEED = "The vendor's recurrent-order example as a one-time order (the guide compares the two)"


# ---------------------------------------------------------------------- answers

NetTime = Annotated[
    str | None,
    Field(
        description="A DateTimeOffset as ASP.NET Core writes it (7 fractional digits, offset).",
        examples=["2024-05-02T08:15:00.0000000+00:00"],
    ),
]


class ArticleOut(BaseModel):
    """An article of an order: its state, due date and the packs stored and picked up."""

    scanCode: str
    name: str
    quantityOrdered: int
    interval: int | None = Field(description="Days between pickups (recurrent orders).")
    state: PickupState
    dueDate: NetTime
    packs: list[dict[str, Any]] = Field(
        description="The packs the robot stored for the article, with what it read of each "
        "(internalId, batchNumber, serialNumber, expiryDate, ...). Inferred: the vendor's "
        "documents name the list, not its members."
    )
    pickedUpPacks: list[dict[str, Any]] = Field(description="The packs handed out.")


class OrderOut(BaseModel):
    """A pickup order as the API returns it."""

    articles: list[ArticleOut] = Field(
        description="Empty in the answer to a recurrent order's creation, as the vendor's is."
    )
    orderNumber: str = Field(
        description="The tenant's number; a key speaking as an on-behalf-of order's origin sees"
        " the origin's own"
    )
    requestCustomerToFillData: bool
    relatedNotes: str | None
    dosageInformation: str | None
    state: PickupState
    creationDate: NetTime
    lastUpdateDate: NetTime
    pickedUpDate: NetTime
    canceledDate: NetTime
    firstInputDate: NetTime
    isOverdue: bool
    pickupCode: str = Field(description="What the customer scans at the pickup terminal (QR).")
    storageCode: str = Field(description="What the pharmacist sticks on the packs (DataMatrix).")
    cancellationReason: str | None
    origin: str | None = Field(default=None, description="On-behalf-of orders only.")
    originOrderNumber: str | None = Field(default=None, description="On-behalf-of orders only.")
