"""Which requests a fault applies to, and which of its matches fire."""

from __future__ import annotations

from datetime import timedelta

from pickbay.core.faults import Fault, fires
from tests.conftest import T0


def fault(**changes: object) -> Fault:
    values: dict[str, object] = {
        "id": 1,
        "vendor": "pickup_cloud",
        "method": "POST",
        "path": "/api/v2/orders*",
        "tenant": None,
        "offline": False,
        "drop": False,
        "webhook": None,
        "late_seconds": None,
        "status": 503,
        "delay_ms": 0,
        "retry_after": None,
        "starts_at": T0,
        "ends_at": T0 + timedelta(seconds=60),
        "remaining": None,
        "probability": 1.0,
        "seed": 0,
        "matched": 0,
        "fired": 0,
        "created_at": T0,
    }
    values.update(changes)
    return Fault(**values)  # type: ignore[arg-type]


def test_a_fault_applies_in_its_scope_target_and_window() -> None:
    f = fault()
    assert f.applies("pickup_cloud", "POST", "/api/v2/orders", None, T0)
    assert f.applies("pickup_cloud", "POST", "/api/v2/orders/on-behalf-of", "acme", T0)
    assert not f.applies("itempath", "POST", "/api/v2/orders", None, T0)
    assert not f.applies("pickup_cloud", "GET", "/api/v2/orders", None, T0)
    assert not f.applies("pickup_cloud", "POST", "/api/v2/recurrentorders", None, T0)
    assert not f.applies("pickup_cloud", "POST", "/api/v2/orders", None, T0 - timedelta(seconds=1))
    assert not f.applies("pickup_cloud", "POST", "/api/v2/orders", None, T0 + timedelta(minutes=1))
    assert not fault(remaining=0).applies("pickup_cloud", "POST", "/api/v2/orders", None, T0)
    scoped = fault(tenant="acme", vendor=None, method=None, path="*")
    assert scoped.applies("pickup_cloud", "GET", "/api/v2/orders", "acme", T0)
    assert not scoped.applies("pickup_cloud", "GET", "/api/v2/orders", "other", T0)
    assert not scoped.applies("itempath", "GET", "/api/orders", None, T0)


def test_the_same_seed_fires_the_same_matches() -> None:
    first = [fires(7, n, 0.3) for n in range(1, 201)]
    assert first == [fires(7, n, 0.3) for n in range(1, 201)]
    assert first != [fires(8, n, 0.3) for n in range(1, 201)]
    assert 30 <= sum(first) <= 90  # about 60 of 200
    assert all(fires(0, n, 1.0) for n in range(1, 50))


def test_a_slow_or_push_delay_fault_aims_at_no_request_only_at_its_own_kind() -> None:
    slow = fault(slow=3.0, status=None, method=None, path="*", tenant="acme")
    assert not slow.aims_at_requests
    assert not slow.applies("pickup_cloud", "POST", "/api/v2/orders", "acme", T0)
    assert slow.slows("pickup_cloud", "acme", T0)
    assert not slow.slows("pickup_cloud", "other", T0)
    assert not slow.slows("pickup_cloud", "acme", T0 + timedelta(minutes=1))
    assert not slow.delays_pushes("pickup_cloud", "acme", T0)
    late = fault(push_delay_ms=500, status=None, method=None, path="*")
    assert late.delays_pushes("pickup_cloud", "anyone", T0)
    assert not late.delays_pushes("itempath", "anyone", T0)
    assert not late.slows("pickup_cloud", "anyone", T0)
    assert fault().aims_at_requests
