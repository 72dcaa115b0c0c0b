import pytest

from pickbay.vendors.pickup_cloud.demo_script import DemoScript, ScriptAction, parse_demo_script

A = ScriptAction


@pytest.mark.parametrize(
    ("notes", "steps"),
    [
        ("$input-009", ((9, A.INPUT),)),
        ("$pickup-015-030", ((15, A.INPUT), (30, A.PICKUP))),
        ("$pickup-020-005", ((20, A.INPUT), (5, A.OVERDUE))),
        ("$cancel-002-007", ((2, A.INPUT), (7, A.CANCEL))),
        ("$cancel-010-001", ((10, A.INPUT), (1, A.CANCEL))),
        ("please hurry $input-5 thanks", ((5, A.INPUT),)),
        ("$pickup-15-15", ((15, A.INPUT), (15, A.PICKUP))),
    ],
)
def test_one_time_scripts(notes: str, steps: tuple[tuple[int, A], ...]) -> None:
    assert parse_demo_script(notes, schedule_stage=False) == DemoScript(steps=steps)


@pytest.mark.parametrize(
    ("notes", "steps"),
    [
        ("$schedule-010", ((10, A.PREPARE),)),
        ("$input-010-015", ((10, A.PREPARE), (15, A.INPUT))),
        ("$pickup-010-015-030", ((10, A.PREPARE), (15, A.INPUT), (30, A.PICKUP))),
        ("$pickup-015-020-005", ((15, A.PREPARE), (20, A.INPUT), (5, A.OVERDUE))),
        ("$cancel-001-002-003", ((1, A.PREPARE), (2, A.INPUT), (3, A.CANCEL))),
    ],
)
def test_scripts_with_a_schedule_stage(notes: str, steps: tuple[tuple[int, A], ...]) -> None:
    script = parse_demo_script(notes, schedule_stage=True)
    assert script == DemoScript(steps=steps)
    assert script is not None
    assert script.schedules


@pytest.mark.parametrize("stage", [False, True])
def test_fail(stage: bool) -> None:
    assert parse_demo_script("$fail", schedule_stage=stage) == DemoScript(fail=True)


@pytest.mark.parametrize(
    ("notes", "stage"),
    [
        (None, False),
        ("", False),
        ("string", False),
        ("$input-abc", False),
        ("$input-", False),
        ("$input", False),
        ("$input-1-2", False),
        ("$pickup-015", False),
        ("$schedule-010", False),
        ("$input-010", True),
        ("$pickup-1-2", True),
        ("$explode-1", False),
        ("$fail-now", False),
        ("$input-1x", False),
        ("$input-٣", False),
    ],
)
def test_invalid_scripts_trigger_nothing(notes: str | None, stage: bool) -> None:
    assert parse_demo_script(notes, schedule_stage=stage) is None
