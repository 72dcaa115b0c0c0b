"""The sandbox clock: real time by default, pausable, scalable and fast-forwardable."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WallClock = Callable[[], datetime]


def system_wall() -> datetime:
    """The machine's clock (UTC): the wall every virtual clock runs on, outside tests."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ClockState:
    """What the clock is doing: virtual time `anchor` was reached at wall time `wall_anchor`."""

    anchor: datetime
    wall_anchor: datetime
    paused: bool
    speed: float


class Clock:
    """Virtual time = anchor + (wall - wall_anchor) * speed, frozen while paused.

    With anchor == wall_anchor, speed 1 and not paused it is the real clock. It never runs
    backwards: every change keeps the current virtual time and only moves it forward.
    """

    def __init__(self, state: ClockState | None = None, wall: WallClock = system_wall) -> None:
        self._wall = wall
        if state is None:
            now = wall()
            state = ClockState(anchor=now, wall_anchor=now, paused=False, speed=1.0)
        self._state = state
        self._last = state.anchor

    @property
    def wall(self) -> WallClock:
        """The wall clock this clock runs on."""
        return self._wall

    @property
    def state(self) -> ClockState:
        """The current anchors and mode, for persisting."""
        return self._state

    @property
    def paused(self) -> bool:
        """Whether virtual time is frozen."""
        return self._state.paused

    @property
    def speed(self) -> float:
        """Virtual seconds per wall second."""
        return self._state.speed

    @property
    def is_real(self) -> bool:
        """Whether the clock still shows wall time."""
        s = self._state
        return not s.paused and s.speed == 1.0 and s.anchor == s.wall_anchor

    def now(self) -> datetime:
        """The current virtual time (UTC, aware), never earlier than a previous answer."""
        s = self._state
        t = s.anchor if s.paused else s.anchor + (self._wall() - s.wall_anchor) * s.speed
        if t < self._last:
            t = self._last
        self._last = t
        return t

    def adopt(self, state: ClockState) -> None:
        """Run on `state` from now on (another process changed the clock); time still never
        runs backwards: until `state` catches up, it reads the last time given."""
        self._state = state

    def set_mode(self, *, paused: bool | None = None, speed: float | None = None) -> None:
        """Pause, resume or change speed, keeping the current virtual time."""
        if speed is not None and not speed > 0:
            raise ValueError("speed must be greater than 0")
        now = self.now()
        s = self._state
        self._state = ClockState(
            anchor=now,
            wall_anchor=self._wall(),
            paused=s.paused if paused is None else paused,
            speed=s.speed if speed is None else speed,
        )

    def advance_to(self, when: datetime) -> None:
        """Jump forward to `when` (no-op if it is not in the future)."""
        now = self.now()
        if when <= now:
            return
        s = self._state
        self._state = ClockState(
            anchor=when, wall_anchor=self._wall(), paused=s.paused, speed=s.speed
        )
        self._last = when

    def advance(self, delta: timedelta) -> None:
        """Jump forward by `delta`."""
        self.advance_to(self.now() + delta)

    def wall_seconds_until(self, when: datetime) -> float | None:
        """Wall seconds until virtual time reaches `when`; None while paused (never by itself)."""
        s = self._state
        if s.paused:
            return None
        return max(0.0, (when - self.now()).total_seconds() / s.speed)
