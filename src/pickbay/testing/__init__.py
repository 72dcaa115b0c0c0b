"""A pytest plugin for integrators: a real pickbay per test, on a free port, on its own clock.

Installed with pickbay, it gives every test the `pickbay` fixture::

    def test_my_integration(pickbay):
        my_client = MyPickupCloudClient(pickbay.pickup_cloud_url, api_key=pickbay.api_key)
        my_client.send_order("A-1")
        pickbay.advance(60)  # the robot stores and hands out packs on the way
        assert pickbay.events(dialect="pickup_cloud")[-1]["payload"]["state"] == "PICKEDUP"

The server runs in a thread of the test process with a temporary SQLite database and a paused
virtual clock: time moves only when the test says so, so tests are deterministic. Override the
`pickbay_settings` fixture to change settings, or `pickbay_start` to start at another time.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pickbay import embedded
from pickbay.config import Settings
from pickbay.embedded import START, STARTUP_SECONDS, settings

if TYPE_CHECKING:
    from pickbay.scenario.report import Report

__all__ = ["START", "Pickbay", "PickbayHTTPError", "settings", "start", "stop"]


class PickbayHTTPError(Exception):
    """pickbay answered with an error status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Pickbay:
    """A running pickbay: its URLs, credentials, and control of its clock."""

    url: str
    settings: Settings
    _server: Any = field(repr=False, default=None)

    @property
    def admin_token(self) -> str:
        """Bearer token of pickbay's own API (/pickbay/v1)."""
        return self.settings.admin_token

    @property
    def api_key(self) -> str:
        """The Pickup Cloud API key of tenant `dev` (send it as x-api-key)."""
        return self.settings.dev_api_key

    @property
    def itempath_user(self) -> tuple[str, str]:
        """User name and password to log in to the ItemPath API."""
        return "admin", self.settings.itempath_admin_password

    @property
    def greymatter_token(self) -> str:
        """Bearer token of the GreyMatter API."""
        return self.settings.greymatter_token

    @property
    def pickup_cloud_url(self) -> str:
        """Base URL of the Pickup Cloud REST API v2."""
        return self.url + "/api/v2"

    @property
    def hub_url(self) -> str:
        """URL of the Pickup Cloud SignalR hub."""
        return self.url + "/hubs/pickup-cloud"

    @property
    def itempath_url(self) -> str:
        """Base URL of the ItemPath API."""
        return self.url + "/api"

    @property
    def greymatter_url(self) -> str:
        """Base URL of the GreyMatter service request API."""
        return self.url + "/api-gateway/sr-service/platform-srms"

    @property
    def console_url(self) -> str:
        """The operator console (sign in with `admin_token`)."""
        return self.url + "/console/"

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Call pickbay's own API (`path` below /pickbay/v1) with the admin token."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + "/pickbay/v1" + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.admin_token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=STARTUP_SECONDS) as r:
                raw = r.read()
        except urllib.error.HTTPError as exc:
            with exc:  # the error holds the connection open until it is closed
                raw = exc.read()
            raise PickbayHTTPError(exc.code, json.loads(raw) if raw else None) from None
        return json.loads(raw) if raw else None

    @contextmanager
    def fault(self, **spec: Any) -> Iterator[dict[str, Any]]:
        """Inject a fault while the block runs; `spec` is the body of `POST /pickbay/v1/faults`
        (`with pickbay.fault(vendor="pickup_cloud", status=503, count=2): ...`)."""
        made: dict[str, Any] = self.request("POST", "/faults", spec)
        try:
            yield made
        finally:
            try:
                self.request("DELETE", f"/faults/{made['id']}")
            except PickbayHTTPError as exc:
                if exc.status != 404:
                    raise

    def create_key(self, tenant: str) -> str:
        """A new Pickup Cloud API key for `tenant` (created if new)."""
        return str(self.request("POST", "/keys", {"tenant": tenant})["key"])

    def now(self) -> datetime:
        """The sandbox's current time."""
        return datetime.fromisoformat(self.request("GET", "/clock")["now"])

    def advance(self, seconds: float) -> int:
        """Move the clock forward, running every simulation step due on the way, in order.

        Returns how many steps ran.
        """
        return int(self.request("POST", "/clock/advance", {"seconds": seconds})["timersFired"])

    def resume(self, speed: float = 1.0) -> None:
        """Let the clock run on its own (at `speed` virtual seconds per second)."""
        self.request("POST", "/clock", {"paused": False, "speed": speed})

    def pause(self) -> None:
        """Stop the clock."""
        self.request("POST", "/clock", {"paused": True})

    def scenario(self, source: str | Path | dict[str, Any]) -> Report:
        """Play a scenario (a YAML or JSON file, or its data) on this pickbay; its report
        says what held (`assert report.passed, report.text()`)."""
        from pickbay.client import Client
        from pickbay.scenario.runner import Runner, load, parse

        plan = parse(source) if isinstance(source, dict) else load(Path(source))
        client = Client(self.url, self.admin_token)
        try:
            return Runner(plan, client).run()
        finally:
            client.close()

    def events(
        self, since: int = 0, *, dialect: str | None = None, order: int | None = None
    ) -> list[dict[str, Any]]:
        """Every event after `since` (each a dict with seq, type, at, payload, ...)."""
        out: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"since": since, "limit": 1000}
            if dialect:
                params["dialect"] = dialect
            if order:
                params["order"] = order
            page = self.request("GET", "/events?" + urllib.parse.urlencode(params))
            out.extend(page["events"])
            since = page["next"]
            if not page["more"]:
                return out


def start(config: Settings, clock_start: datetime = START) -> Pickbay:
    """Start a pickbay server on a free port, its clock paused at `clock_start`."""
    server = embedded.start(config, clock_start)
    return Pickbay(url=server.url, settings=config, _server=server)


def stop(instance: Pickbay) -> None:
    """Stop the server and wait for it."""
    instance._server.stop()


@pytest.fixture
def pickbay_start() -> datetime:
    """Where the clock of `pickbay` starts (override to choose)."""
    return START


@pytest.fixture
def pickbay_settings(tmp_path: Path) -> Settings:
    """The settings of `pickbay`: sandbox defaults on a temporary SQLite file (override to
    change them; `pickbay.testing.settings(url, **changes)` builds them)."""
    return settings(f"sqlite+aiosqlite:///{tmp_path / 'pickbay.db'}")


@pytest.fixture
def pickbay(pickbay_settings: Settings, pickbay_start: datetime) -> Iterator[Pickbay]:
    """A running pickbay for this test, with its own database and a paused clock."""
    instance = start(pickbay_settings, pickbay_start)
    try:
        yield instance
    finally:
        stop(instance)
