"""Domain events: every state change records one; the store gives each a sequence number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Event:
    """Something that happened to an order, at a virtual time, for one tenant."""

    type: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log holds it, with its monotonic sequence number."""

    seq: int
    type: str
    at: datetime
    dialect: str
    tenant: str
    order_id: int | None
    payload: dict[str, Any]
