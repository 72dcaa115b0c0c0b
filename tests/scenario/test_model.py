"""Scenario files: times, durations, what a file may say, and the published schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml

from pickbay.scenario.model import schema, seconds_of, time_of
from pickbay.scenario.runner import ScenarioError, _holds, load, parse

ROOT = Path(__file__).parents[2]
START = datetime(2030, 1, 14, 7, 0, tzinfo=UTC)
ORDER = {"api": "pickup_cloud", "method": "POST", "path": "/api/v2/orders", "body": {}}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (0, 0),
        (90, 90),
        (1.5, 1.5),
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1d2h3m4.5s", 93784.5),
    ],
)
def test_durations(text: float | str, seconds: float) -> None:
    assert seconds_of(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "m", "1x", "-5s", -1, "1m1h", True])
def test_what_is_no_duration(text: Any) -> None:
    with pytest.raises(ValueError, match="duration"):
        seconds_of(text)


def test_times_are_offsets_times_of_day_or_instants() -> None:
    assert time_of("15m", START) == datetime(2030, 1, 14, 7, 15, tzinfo=UTC)
    assert time_of("09:00", START) == datetime(2030, 1, 14, 9, 0, tzinfo=UTC)
    assert time_of("09:00:30", START) == datetime(2030, 1, 14, 9, 0, 30, tzinfo=UTC)
    assert time_of("2030-01-15T10:00:00", START) == datetime(2030, 1, 15, 10, tzinfo=UTC)
    assert time_of("2030-01-15T10:00:00+01:00", START) == datetime(2030, 1, 15, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="time of day"):
        time_of("25:00", START)


def plan(**changes: Any) -> dict[str, Any]:
    return {"name": "s", "steps": [{"request": ORDER}], **changes}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"steps": [{"at": "soon", "request": ORDER}]}, "steps[0].at"),
        ({"steps": [{}]}, "a request or a fault"),
        ({"steps": [{"request": ORDER, "fault": {"status": 503}}]}, "a request or a fault"),
        ({"steps": [{"count": 3, "request": ORDER}]}, "says how often"),
        ({"steps": [{"count": 3, "every": 0, "request": ORDER}]}, "longer than nothing"),
        ({"steps": [{"every": "1m", "count": 2, "fault": {"status": 503}}]}, "happens once"),
        ({"steps": [{"request": {**ORDER, "api": "rowa"}}]}, "steps.0.request.api"),
        ({"steps": [{"request": {**ORDER, "path": "api"}}]}, "steps.0.request.path"),
        ({"steps": [{"request": {**ORDER, "form": {"a": "b"}}}]}, "a body or a form"),
        ({"steps": [{"request": {**ORDER, "capture": {"1x": "id"}}}]}, "capture"),
        ({"expect": [{"events": {}, "orders": {"api": "itempath"}}]}, "one of orders"),
        ({"expect": [{"answer": {}, "events": {}}]}, "answer goes with request"),
        ({"expect": [{"notifications": {"webhook": "w", "delivered": 1}}]}, "no webhook"),
        ({"webhooks": [{"name": "w", "api": "pickup_cloud", "url": "http://x"}]}, "webhooks.0"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_scenario_that_cannot_be_right_is_refused_naming_where(
    changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse(plan(**changes))
    assert problem in str(refused.value)


def test_a_file_that_is_no_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="cannot read it"):
        load(path)
    with pytest.raises(ScenarioError, match="cannot read it"):
        load(tmp_path / "missing.yaml")


def test_json_is_read_as_well_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(plan(seed=7)))
    assert load(path).seed == 7


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=str)
def test_the_examples_are_valid_and_fit_the_published_schema(example: Path) -> None:
    assert load(example).steps
    data = yaml.safe_load(example.read_text())
    as_json = json.loads(json.dumps(data, default=datetime.isoformat))
    validator = jsonschema_rs.Draft202012Validator(schema())
    assert [e.message for e in validator.iter_errors(as_json)] == []
    assert not validator.is_valid({**as_json, "steps": [{"request": {"api": "rowa"}}]})


def test_the_published_schema_is_the_one_the_reader_holds() -> None:
    published = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    assert published == schema()
    assert published["$schema"].endswith("2020-12/schema")
    assert published["properties"]["steps"]["items"]["$ref"] == "#/$defs/Step"
    assert "as" in published["$defs"]["Call"]["properties"]  # by its name in the file


@pytest.mark.parametrize(
    ("actual", "expected", "holds"),
    [
        ({"a": 1, "b": {"c": [1, 2]}}, {"b": {"c": [1, 2]}}, True),
        ({"a": 1}, {"a": 1, "b": None}, False),
        ([1, 2], [1], False),
        (3.0, 3, True),
        (1, True, False),
        (True, True, True),
        ("3", 3, False),
        (None, None, True),
        ([{"x": 1, "y": 2}], [{"x": 1}], True),
    ],
)
def test_what_holds_an_expected_part(actual: Any, expected: Any, holds: bool) -> None:
    assert _holds(actual, expected) is holds
