"""Timer requests: steps an aggregate asks the simulator to take at a virtual time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    """A step wanted at virtual time `at` (the engine stores it and fires it then).

    A step that takes time (a robot moving, an operator picking) says since when: `at - since`
    is its duration, which a slow fault stretches. A step that only falls due (a calendar
    date, a station opening) has no `since`.
    """

    at: datetime
    kind: TimerKind
    data: dict[str, Any] = field(default_factory=dict)
    since: datetime | None = None

    @classmethod
    def after(
        cls, since: datetime, seconds: float, kind: TimerKind, data: dict[str, Any] | None = None
    ) -> TimerRequest:
        """A step that takes `seconds` from `since`."""
        return cls(since + timedelta(seconds=seconds), kind, data or {}, since)
