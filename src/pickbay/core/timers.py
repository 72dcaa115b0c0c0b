"""Timer requests: steps an aggregate asks the simulator to take at a virtual time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimerKind:
    """A kind of step: the vendor that plans it and the step's name.

    The scheduler finds a timer's handler by this key; the store keeps it as `key`.
    """

    vendor: str
    step: str

    @property
    def key(self) -> str:
        """How the store names this kind: `vendor.step`."""
        return f"{self.vendor}.{self.step}"


@dataclass(frozen=True)
class TimerRequest:
    """A step wanted at virtual time `at` (the engine stores it and fires it then)."""

    at: datetime
    kind: TimerKind
    data: dict[str, Any] = field(default_factory=dict)
