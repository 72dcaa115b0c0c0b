"""Request bodies of the Pickup Cloud API, validated strictly (as System.Text.Json does)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Field limits. The vendor publishes none; these are pickbay's (docs/pickup-cloud.md).
ORDER_NUMBER_MAX = 100
NOTES_MAX = 2000
TEXT_MAX = 200
SCAN_CODE_MAX = 100
ARTICLES_MAX = 100

Required = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
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

    origin: Annotated[str, Field(min_length=1, max_length=ORDER_NUMBER_MAX)]
    originOrderNumber: Annotated[str, Field(min_length=1, max_length=ORDER_NUMBER_MAX)]


class RecurrentOrderIn(_OrderFields):
    """An order whose articles are collected at regular intervals between two dates."""

    articles: Annotated[list[RecurrentArticleIn], Field(min_length=1, max_length=ARTICLES_MAX)]
    startDate: datetime
    endDate: datetime


class CancelIn(_Strict):
    """Why the order is cancelled."""

    cancellationReason: Annotated[str | None, Field(default=None, max_length=NOTES_MAX)] = None
