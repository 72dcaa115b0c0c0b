"""Power Pick's clock: SQL Server's `datetime` steps, and the lines of one order a tick apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pickbay.vendors.itempath.model import line_times, power_pick_time

AT = datetime(2030, 1, 15, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (0, (0, 0)),
        (1_600, (0, 0)),
        (1_700, (0, 3_000)),
        (3_333, (0, 3_000)),
        (6_667, (0, 7_000)),
        (353_000, (0, 353_000)),
        (373_400, (0, 373_000)),
        (998_400, (1, 0)),  # rounds up into the next second
    ],
)
def test_times_fall_on_sql_server_datetime_steps(micros: int, shown: tuple[int, int]) -> None:
    t = power_pick_time(AT + timedelta(microseconds=micros))
    assert (t - AT).seconds == shown[0]
    assert t.microsecond == shown[1]
    assert power_pick_time(t) == t


def test_the_lines_of_one_order_are_written_a_tick_apart() -> None:
    times = line_times(AT, 4)
    assert [t.microsecond for t in times] == [0, 3_000, 7_000, 10_000]
    assert times[0] == AT
    assert len(line_times(AT, 301)) == len(set(line_times(AT, 301)))
