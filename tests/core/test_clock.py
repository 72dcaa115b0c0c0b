from datetime import timedelta

import pytest

from pickbay.core.clock import Clock, ClockState
from tests.conftest import T0, FakeWall


def running(wall: FakeWall) -> Clock:
    return Clock(ClockState(T0, T0, paused=False, speed=1.0), wall=wall)


def test_real_by_default_follows_the_wall() -> None:
    wall = FakeWall()
    clock = Clock(wall=wall)
    assert clock.is_real
    wall.now += timedelta(seconds=5)
    assert clock.now() == T0 + timedelta(seconds=5)


def test_pause_freezes_and_resume_continues_from_there() -> None:
    wall = FakeWall()
    clock = running(wall)
    wall.now += timedelta(seconds=10)
    clock.set_mode(paused=True)
    wall.now += timedelta(hours=1)
    assert clock.now() == T0 + timedelta(seconds=10)
    assert not clock.is_real
    clock.set_mode(paused=False)
    wall.now += timedelta(seconds=1)
    assert clock.now() == T0 + timedelta(seconds=11)


def test_speed_scales_elapsed_wall_time() -> None:
    wall = FakeWall()
    clock = running(wall)
    clock.set_mode(speed=60.0)
    wall.now += timedelta(seconds=2)
    assert clock.now() == T0 + timedelta(minutes=2)
    assert clock.wall_seconds_until(T0 + timedelta(minutes=3)) == pytest.approx(1.0)


def test_advance_jumps_forward_never_back() -> None:
    clock = running(FakeWall())
    clock.advance(timedelta(days=2))
    assert clock.now() == T0 + timedelta(days=2)
    clock.advance_to(T0)
    assert clock.now() == T0 + timedelta(days=2)


def test_time_never_runs_backwards_when_the_wall_does() -> None:
    wall = FakeWall()
    clock = running(wall)
    wall.now += timedelta(seconds=30)
    first = clock.now()
    wall.now -= timedelta(seconds=20)
    assert clock.now() == first


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="speed"):
        running(FakeWall()).set_mode(speed=0)


def test_paused_clock_never_reaches_a_future_time_by_itself() -> None:
    clock = Clock(ClockState(T0, T0, paused=True, speed=1.0), wall=FakeWall())
    assert clock.wall_seconds_until(T0 + timedelta(seconds=1)) is None
