"""The Pickup Cloud demo scripts carried in `relatedNotes` (`$input-RRR`, `$fail`, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_TOKEN = re.compile(r"\$(?P<verb>[A-Za-z]+)(?P<args>\S*)")


class ScriptAction(StrEnum):
    """What a scripted step does to the order."""

    PREPARE = "prepare"
    INPUT = "input"
    PICKUP = "pickup"
    CANCEL = "cancel"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DemoScript:
    """A parsed script: `fail`, or steps as (seconds after creation, action)."""

    fail: bool = False
    steps: tuple[tuple[int, ScriptAction], ...] = ()

    @property
    def schedules(self) -> bool:
        """Whether the script starts with a schedule stage (the order starts SCHEDULED)."""
        return any(action is ScriptAction.PREPARE for _, action in self.steps)


# verb -> number of arguments, without and with the leading schedule stage
_ARITY = {"input": 1, "pickup": 2, "cancel": 2}


def parse_demo_script(notes: str | None, *, schedule_stage: bool) -> DemoScript | None:
    """Parse the first `$verb-N-N...` token in `notes`; None when there is none or it is invalid.

    One-time orders use `$input-RRR`, `$pickup-RRR-PPP`, `$cancel-RRR-CCC`; recurrent and
    on-behalf-of orders put a schedule stage first (`$schedule-SSS`, `$input-SSS-RRR`, ...).
    Invalid numbers or a wrong count of them mean "create the order, trigger nothing".
    """
    if not notes:
        return None
    match = _TOKEN.search(notes)
    if match is None:
        return None
    verb = match.group("verb").lower()
    raw_args = match.group("args")
    if verb == "fail":
        return DemoScript(fail=True) if raw_args == "" else None
    if not raw_args.startswith("-"):
        return None
    args = raw_args.split("-")[1:]
    if not args or not all(a.isascii() and a.isdigit() for a in args):
        return None
    numbers = [int(a) for a in args]
    if verb == "schedule":
        if not schedule_stage or len(numbers) != 1:
            return None
        return DemoScript(steps=((numbers[0], ScriptAction.PREPARE),))
    if verb not in _ARITY or len(numbers) != _ARITY[verb] + (1 if schedule_stage else 0):
        return None
    steps: list[tuple[int, ScriptAction]] = []
    if schedule_stage:
        steps.append((numbers.pop(0), ScriptAction.PREPARE))
    input_at = numbers[0]
    steps.append((input_at, ScriptAction.INPUT))
    if verb == "pickup":
        pickup_at = numbers[1]
        # A pickup "before" input cannot happen: the order is flagged overdue instead.
        action = ScriptAction.PICKUP if pickup_at >= input_at else ScriptAction.OVERDUE
        steps.append((pickup_at, action))
    elif verb == "cancel":
        steps.append((numbers[1], ScriptAction.CANCEL))
    return DemoScript(steps=tuple(steps))
