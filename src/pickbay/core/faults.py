"""Faults an integrator injects on purpose: which requests one matches, and whether it fires.

A fault is a rule: a scope (the whole deployment, or one Pickup Cloud tenant), a target (a
vendor's API, a method, a path pattern), an effect (an error status in that vendor's format,
a delay, or both) and a window on the sandbox clock (from a time, for a duration, for the
next N matching requests, each firing with a probability drawn from a seed). An outage is a
fault on a vendor's simulated machine instead: for its window the machine takes no step. A
pick fault makes the machine's operator pick wrong (an item damaged, missing, unscannable; a
short quantity) at its next picks in the window. A slow fault stretches the machine's steps
that fall due in the window; a push delay holds the vendor's realtime pushes.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Fault:
    """One injected fault, as stored."""

    id: int
    vendor: str | None  # the API it targets (None: every vendor's API)
    method: str | None  # None: every method
    path: str  # a pattern: `*` stands for any run of characters
    tenant: str | None  # None: the whole deployment
    offline: bool  # the vendor's machine is offline: its steps wait for the window's end
    drop: bool  # the realtime connections in scope are dropped once, as the network would
    webhook: str | None  # what happens to notifications: "duplicate" or "late"
    late_seconds: float | None  # how late (sandbox time) a "late" notification is sent
    status: int | None  # the error to answer, in the vendor's format (None: no error)
    delay_ms: int  # how long to hold the request first (wall time)
    retry_after: int | None  # seconds, sent as Retry-After with the error
    starts_at: datetime  # on the sandbox clock
    ends_at: datetime | None
    remaining: int | None  # matching requests it still applies to (None: no limit)
    probability: float
    seed: int
    matched: int
    fired: int
    created_at: datetime
    pick: str | None = None  # what goes wrong at the operator's pick (the vendor's words)
    pick_quantity: int | None = None  # by how many eaches or units
    slow: float | None = None  # the machine's steps take this many times as long
    push_delay_ms: int | None = None  # realtime pushes arrive this late (wall time)

    @property
    def aims_at_requests(self) -> bool:
        """Whether it is a fault on API requests (not on a machine, pushes or notifications)."""
        return not (
            self.offline
            or self.drop
            or self.webhook is not None
            or self.pick is not None
            or self.slow is not None
            or self.push_delay_ms is not None
        )

    def applies(
        self, vendor: str, method: str, path: str, tenant: str | None, now: datetime
    ) -> bool:
        """Whether a request to `vendor`'s API falls in this fault's scope, target and window."""
        return (
            self.aims_at_requests
            and (self.method is None or self.method == method)
            and self._open_to(vendor, tenant, now)
            and fnmatch.fnmatchcase(path, self.path)
        )

    def notifies(self, vendor: str, tenant: str, now: datetime) -> bool:
        """Whether this webhook fault applies to a notification of `vendor`'s event now."""
        return self.webhook is not None and self._open_to(vendor, tenant, now)

    def picks(self, vendor: str, tenant: str, now: datetime) -> bool:
        """Whether this pick fault applies to an operator's pick on `vendor`'s machine now."""
        return self.pick is not None and self._open_to(vendor, tenant, now)

    def slows(self, vendor: str, tenant: str | None, now: datetime) -> bool:
        """Whether this slow fault stretches a step of `vendor`'s machine falling due now."""
        return self.slow is not None and self._open_to(vendor, tenant, now)

    def delays_pushes(self, vendor: str, tenant: str, now: datetime) -> bool:
        """Whether this fault holds `vendor`'s realtime pushes to `tenant` now."""
        return self.push_delay_ms is not None and self._open_to(vendor, tenant, now)

    def down(self, vendor: str, now: datetime) -> bool:
        """Whether this is an outage of `vendor`'s machine that lasts at `now`."""
        return self.offline and self.vendor == vendor and self._lasts(now)

    def _open_to(self, vendor: str, tenant: str | None, now: datetime) -> bool:
        """Whether it is in its window, with matches left, for `vendor` and `tenant`."""
        return (
            (self.vendor is None or self.vendor == vendor)
            and (self.tenant is None or self.tenant == tenant)
            and self._lasts(now)
            and (self.remaining is None or self.remaining > 0)
        )

    def _lasts(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def fires(seed: int, match: int, probability: float) -> bool:
    """Whether match number `match` of a fault fires: the same seed gives the same answers."""
    if probability >= 1.0:
        return True
    return random.Random(f"{seed}:{match}").random() < probability
