"""The simulated floor orders its work by priority and pick window, on both databases."""

from __future__ import annotations

from datetime import timedelta

from pickbay.runtime import Runtime
from pickbay.store import events as event_log
from pickbay.vendors.greymatter.model import INFORMATION, NewLine, RequestType
from pickbay.vendors.greymatter.service import GreyMatterService, NewRequest
from tests.conftest import T0, paused_clock, settings_for


def _request(name: str, **attributes: str) -> NewRequest:
    line = NewLine(f"{name}_1", 1, {"filter_parameters": ["product_sku = '5001'"]})
    return NewRequest(name, RequestType.PICK, [line], attributes or None)


async def test_one_bin_serves_priorities_then_deadlines_and_waits_for_windows(
    database_url: str,
) -> None:
    settings = settings_for(database_url, greymatter_stations=1, greymatter_bins=1)
    rt = Runtime(settings, clock=paused_clock())
    await rt.start()
    try:
        later = (T0 + timedelta(seconds=1000)).isoformat()
        soon, late = (T0 + timedelta(hours=1)).isoformat(), (T0 + timedelta(hours=2)).isoformat()
        # The first takes the free bin as it is checked; the others wait and go by priority.
        for new in (
            _request("FIRST", simple_priority="low"),
            _request("LOW", simple_priority="low"),
            _request("NORMAL", pick_before_time=late),
            _request("LATER", pick_after_time=later),
            _request("NORMAL-EARLY", pick_before_time=soon),
            _request("HIGH", simple_priority="high"),
            _request("CRITICAL", simple_priority="critical", pick_after_time=later),
        ):
            await rt.service(GreyMatterService).create(new)
        await rt.scheduler.advance(900)
        async with rt.db.read() as conn:
            logged = await event_log.read(conn, dialect="greymatter")
        reached = [
            (e.payload["externalServiceRequestId"], e.at)
            for e in logged
            if e.type == INFORMATION and e.payload["state"] == "cancellation_locked"
        ]
        assert [name for name, _ in reached] == [
            "FIRST",
            "CRITICAL",
            "HIGH",
            "NORMAL-EARLY",
            "NORMAL",
            "LOW",
        ]
        # One bin: each rack arrives after the last request left it (10 s travel, 5 s pick).
        assert [at - T0 for _, at in reached] == [
            timedelta(seconds=s) for s in (11, 26, 41, 56, 71, 86)
        ]
        fulfillable = {
            e.payload["externalServiceRequestId"]: e.payload["notification"]["notification_data"][
                "attributes"
            ].get("pps_id")
            for e in logged
            if e.type == INFORMATION and e.payload["state"] == "fulfillable"
        }
        assert fulfillable["FIRST"] == "1"  # it named its station
        assert fulfillable["LOW"] is None  # it waited for one

        await rt.scheduler.advance(200)
        async with rt.db.read() as conn:
            logged = await event_log.read(conn, dialect="greymatter")
        last = [
            (e.payload["externalServiceRequestId"], e.at - T0)
            for e in logged
            if e.type == INFORMATION and e.payload["state"] == "cancellation_locked"
        ][-1]
        assert last == ("LATER", timedelta(seconds=1010))
    finally:
        await rt.stop()
