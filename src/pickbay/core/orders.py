"""What every dialect's order has in common: the summary the board shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OrderSummary:
    """An order of any dialect as the shared `orders` row holds it."""

    id: int
    dialect: str
    tenant: str
    number: str
    kind: str
    state: str
    created_at: datetime
    updated_at: datetime | None
    version: int
