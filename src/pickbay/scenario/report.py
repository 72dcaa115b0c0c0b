"""What a scenario run found: each step and expectation, passed or failed, as text and as
JUnit XML for CI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree as ET

MAX_PROBLEMS = 20  # a step that fails a thousand times reports the first ones and a count


@dataclass
class Outcome:
    """One step (all its repeats) or one expectation."""

    name: str
    kind: str  # "step" or "expect"
    at: str = ""
    sent: int = 0
    failures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether nothing went wrong."""
        return self.failures == 0

    def fail(self, problem: str) -> None:
        """Record what went wrong."""
        self.failures += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass
class Report:
    """A scenario run, from its start to its end on the sandbox clock."""

    scenario: str
    outcomes: list[Outcome] = field(default_factory=list)
    started: datetime | None = None
    ended: datetime | None = None
    first_seq: int = 0  # the event log's head when the run began
    requests: int = 0
    timers: int = 0
    events: int = 0
    wall_seconds: float = 0.0

    def add(self, name: str, kind: str, at: str = "") -> Outcome:
        """A new outcome, in the order of the run."""
        outcome = Outcome(name, kind, at)
        self.outcomes.append(outcome)
        return outcome

    @property
    def passed(self) -> bool:
        """Whether every step and expectation passed."""
        return all(o.passed for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        """The outcomes that did not pass."""
        return [o for o in self.outcomes if not o.passed]

    def text(self) -> str:
        """The report for people."""
        span = ""
        if self.started and self.ended:
            span = f"{self.started.isoformat()} to {self.ended.isoformat()}, "
        lines = [
            f"scenario {self.scenario}: {'passed' if self.passed else 'FAILED'}",
            f"  {span}{self.requests} requests, {self.timers} timers fired, "
            f"{self.events} events, {self.wall_seconds:.2f} s",
        ]
        for o in self.outcomes:
            mark = "ok  " if o.passed else "FAIL"
            extra = f" ({o.sent} sent)" if o.kind == "step" and o.sent != 1 else ""
            when = f" at {o.at}" if o.at else ""
            lines.append(f"  {mark} {o.name}{extra}{when}")
            lines += [f"         {p}" for p in o.problems]
            if o.failures > len(o.problems):
                lines.append(f"         and {o.failures - len(o.problems)} more")
        return "\n".join(lines)

    def junit(self) -> str:
        """The report as JUnit XML: one test suite, one test case per step and expectation."""
        suites = ET.Element("testsuites")
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=self.scenario,
            tests=str(len(self.outcomes)),
            failures=str(len(self.failed)),
            errors="0",
            time=f"{self.wall_seconds:.3f}",
        )
        for o in self.outcomes:
            case = ET.SubElement(suite, "testcase", classname=self.scenario, name=o.name)
            if not o.passed:
                failure = ET.SubElement(
                    case, "failure", message=o.problems[0] if o.problems else "failed"
                )
                failure.text = "\n".join(o.problems)
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
