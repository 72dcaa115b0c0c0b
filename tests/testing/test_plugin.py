"""The pytest plugin: integrators' tests get a running pickbay through the `pickbay` fixture."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pickbay.config import Settings
from pickbay.testing import START, Pickbay, PickbayHTTPError, settings

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "test_pickup_integration.py"
EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_fixture_hands_over_urls_credentials_and_a_paused_clock(pickbay: Pickbay) -> None:
    with urllib.request.urlopen(pickbay.url + "/healthz") as r:
        assert r.status == 200
    assert pickbay.now() == START
    assert pickbay.request("GET", "/clock")["paused"] is True
    assert pickbay.advance(90) == 0
    assert (pickbay.now() - START).total_seconds() == 90
    assert pickbay.console_url.endswith("/console/")
    assert pickbay.hub_url.endswith("/hubs/pickup-cloud")
    key = pickbay.create_key("second-tenant")
    assert key.startswith("pk_")
    with pytest.raises(PickbayHTTPError) as refused:
        pickbay.request("POST", "/clock/advance", {"seconds": -1})
    assert refused.value.status == 400


class TestOverrides:
    """Overriding `pickbay_start` and `pickbay_settings`, as a conftest.py would."""

    @pytest.fixture
    def pickbay_start(self) -> datetime:
        return datetime(2031, 6, 1, 12, 0, tzinfo=UTC)

    @pytest.fixture
    def pickbay_settings(self, tmp_path: Path) -> Settings:
        return settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", admin_token="s3cret")

    def test_settings_and_start_time_can_be_overridden(self, pickbay: Pickbay) -> None:
        assert pickbay.admin_token == "s3cret"
        assert pickbay.now() == datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def test_a_fault_applies_inside_its_block_only(pickbay: Pickbay) -> None:
    url = pickbay.pickup_cloud_url + "/orders"

    def status() -> int:
        req = urllib.request.Request(url, headers={"x-api-key": pickbay.api_key})
        try:
            with urllib.request.urlopen(req) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the connection open until closed
            return exc.code

    with pickbay.fault(vendor="pickup_cloud", status=503, count=1) as fault:
        assert fault["remaining"] == 1
        assert status() == 503
        assert status() == 200  # used up, then removed as the block ends (no error)
    with pickbay.fault(vendor="pickup_cloud", status=500):
        assert status() == 500
    assert status() == 200
    assert pickbay.request("GET", "/faults") == {"faults": []}


def test_settings_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKBAY_ADMIN_TOKEN", "from-the-environment")
    monkeypatch.setenv("PICKBAY_REDIS_URL", "redis://nowhere:1/0")
    built = settings("sqlite+aiosqlite:///x.db")
    assert (built.admin_token, built.redis_url) == ("dev", None)


def test_the_documented_example_runs_as_an_integrator_would(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=EXAMPLE.read_text())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


class TestScenario:
    """A scenario played on the fixture's server, its clock started where the scenario's does."""

    @pytest.fixture
    def pickbay_start(self) -> datetime:
        return datetime(2030, 1, 14, 10, 0, tzinfo=UTC)

    def test_a_scenario_file_plays_on_the_fixtures_server(self, pickbay: Pickbay) -> None:
        report = pickbay.scenario(EXAMPLES / "greymatter-wave.yaml")
        assert report.passed, report.text()
        assert pickbay.now() == datetime(2030, 1, 14, 11, 0, tzinfo=UTC)
        assert pickbay.events(dialect="greymatter")[0]["type"] == "service_request.created"
