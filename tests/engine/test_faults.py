"""Faults across processes: made in one, applied in every one, a limit counted once."""

from __future__ import annotations

import asyncio

from pickbay.engine.faults import Request
from pickbay.runtime import Runtime

CALL = Request("pickup_cloud", "POST", "/api/v2/orders", "dev")


async def everywhere(deployment: list[Runtime], count: int) -> None:
    """Wait (bounded) until every process holds `count` faults: a ring takes milliseconds."""
    async with asyncio.timeout(5):
        for rt in deployment:
            await rt.faults.wait_for(lambda active: len(active) == count)


async def test_a_fault_made_in_one_process_applies_in_all_and_its_limit_holds_across(
    deployment: list[Runtime],
) -> None:
    values = {"vendor": "pickup_cloud", "path": "/api/v2/*", "status": 503, "remaining": 5}
    values |= {"method": None, "tenant": None, "delay_ms": 0, "retry_after": None}
    values |= {"offline": False, "drop": False, "webhook": None, "late_seconds": None}
    values |= {"ends_at": None, "probability": 1.0, "seed": 0}
    made = await deployment[0].faults.create(values)
    await everywhere(deployment, 1)
    # Twelve requests at once across three processes: exactly five are faulted.
    decided = await asyncio.gather(*(deployment[n % 3].faults.decide(CALL) for n in range(12)))
    assert sum(d is not None for d in decided) == 5
    shown = await deployment[2].faults.get(made.id)
    assert shown is not None
    assert (shown.matched, shown.fired, shown.remaining) == (5, 5, 0)
    await deployment[1].faults.delete()
    await everywhere(deployment, 0)
    assert await deployment[0].faults.decide(CALL) is None
