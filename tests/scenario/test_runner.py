"""Scenarios played against real servers: the shipped examples, what a report says when
something does not hold, token renewal, webhooks, a given server, and runs that repeat."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import yaml

from pickbay.client import Client
from pickbay.scenario.model import schema
from pickbay.scenario.runner import Runner, parse
from pickbay.testing import START, Pickbay
from tests.conftest import asyncpg_url, create_postgres_database, drop_postgres_database, run_alone

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
ORDERS = "/api/v2/orders"
SR = "/api-gateway/sr-service/platform-srms/service-request"


def scenario_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`pickbay scenario ARGS` as a child process."""
    return subprocess.run(
        [sys.executable, "-m", "pickbay", "scenario", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def order(number: str, notes: str = "$pickup-060-120") -> dict[str, Any]:
    """A Pickup Cloud create call for one pack of aspirin."""
    return {
        "api": "pickup_cloud",
        "method": "POST",
        "path": ORDERS,
        "body": {
            "orderNumber": number,
            "relatedNotes": notes,
            "articles": [{"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 1}],
        },
    }


def gm_pick(external: str) -> dict[str, Any]:
    """A GreyMatter PICK of two eaches of product 2001."""
    line = {
        "externalServiceRequestId": external + "_1",
        "type": "PICK_LINE",
        "expectations": {
            "containers": [
                {
                    "products": [
                        {
                            "productQuantity": 2,
                            "productAttributes": {"filter_parameters": ["product_sku = '2001'"]},
                        }
                    ]
                }
            ]
        },
    }
    return {
        "api": "greymatter",
        "method": "POST",
        "path": SR,
        "body": {"externalServiceRequestId": external, "type": "PICK", "serviceRequests": [line]},
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_shipped_example_passes_on_a_fresh_server(example: Path, tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    run = scenario_cli("run", example, "--junit", junit)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ": passed" in run.stdout.splitlines()[0]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0"
    assert int(suite.get("tests", "0")) >= 4


def test_an_example_passes_on_postgresql(postgres_template: str) -> None:
    url = run_alone(create_postgres_database(postgres_template))
    try:
        run = scenario_cli(
            "run", ROOT / "examples" / "greymatter-wave.yaml", "--database", asyncpg_url(url)
        )
        assert run.returncode == 0, run.stdout + run.stderr
    finally:
        run_alone(drop_postgres_database(url))


def test_the_same_scenario_and_seed_write_the_same_event_log(tmp_path: Path) -> None:
    example = ROOT / "examples" / "pharmacy-monday.yaml"
    data = yaml.safe_load(example.read_text())
    data["steps"].append(  # a fault that fires by chance, drawn from the scenario's seed
        {
            "at": "08:00",
            "fault": {
                "vendor": "pickup_cloud",
                "method": "GET",
                "status": 503,
                "probability": 0.5,
                "count": 20,
            },
        }
    )
    data["steps"].append(
        {
            "at": "08:00",
            "every": "1m",
            "count": 20,
            "request": {
                "api": "pickup_cloud",
                "as": "pharmacy",
                "path": ORDERS + "?take=1",
                "status": [200, 503],
            },
        }
    )
    runs = []
    for n, seed in enumerate((11, 11, 12)):
        path = tmp_path / f"s{n}.yaml"
        path.write_text(yaml.safe_dump({**data, "seed": seed}))
        events = tmp_path / f"events{n}.jsonl"
        run = scenario_cli("run", path, "--events", events)
        assert run.returncode == 0, run.stdout + run.stderr
        runs.append(events.read_text())
    assert runs[0] == runs[1]
    logged = [json.loads(line) for line in runs[0].splitlines()]
    fired = [e for e in logged if e["type"] == "fault.fired" and e["payload"].get("status")]
    assert 0 < len(fired) < 20  # some of the twenty, by the seed's draw
    assert runs[2] != runs[0]  # another seed: other codes, other draws


def test_a_report_says_what_did_not_hold(pickbay: Pickbay, tmp_path: Path) -> None:
    report = pickbay.scenario(
        {
            "name": "wrong on purpose",
            "end": "5m",
            "steps": [
                {"request": order("F-1")},
                {"at": 1, "request": order("F-1")},  # a number taken: 409
                {"at": 2, "request": {**order("F-1"), "status": [409]}},
                {"at": 3, "request": order("F-{nothing}")},
            ],
            "expect": [
                {"at": 30, "orders": {"api": "pickup_cloud", "number": "F-*", "state": "PICKEDUP"}},
                {
                    "orders": {
                        "api": "pickup_cloud",
                        "number": "F-*",
                        "state": "PICKEDUP",
                        "count": 1,
                    }
                },
                {"events": {"type": "order.state_changed", "min": 5}},
                {
                    "request": {"api": "pickup_cloud", "path": ORDERS + "/by-ordernumber/F-1"},
                    "answer": {"state": "READYFORINPUT"},
                },
                {"request": {"api": "pickup_cloud", "path": ORDERS + "/by-ordernumber/F-2"}},
                {"orders": {"api": "itempath", "number": "NONE"}},
            ],
        }
    )
    assert not report.passed
    verdicts = {o.name.split(":")[0]: (o.passed, o.problems) for o in report.outcomes}
    assert verdicts["step 1"] == (True, [])
    assert verdicts["step 2"][0] is False
    assert "409" in verdicts["step 2"][1][0]
    assert verdicts["step 3"] == (True, [])
    assert "{F-{nothing}: nothing has that name" not in verdicts["step 4"][1][0]
    assert "{nothing}: nothing has that name" in verdicts["step 4"][1][0]
    assert "1 of 1 not PICKEDUP: F-1 READYFORINPUT" in verdicts["expect 1"][1][0]
    assert verdicts["expect 2"] == (True, [])
    assert "fewer than 5" in verdicts["expect 3"][1][0]
    assert "does not hold" in verdicts["expect 4"][1][0]
    assert "answered 404" in verdicts["expect 5"][1][0]
    assert "no itempath order numbered 'NONE'" in verdicts["expect 6"][1][0]
    text = report.text()
    assert text.startswith("scenario wrong on purpose: FAILED")
    assert "FAIL step 2" in text
    xml = ET.fromstring(report.junit())
    cases = xml.findall("./testsuite/testcase")
    assert len(cases) == 10
    assert xml.find("testsuite").get("failures") == "7"  # type: ignore[union-attr]
    failure = cases[1].find("failure")
    assert failure is not None
    assert "409" in failure.get("message", "")


def test_templates_fill_numbers_dates_and_captured_values(pickbay: Pickbay) -> None:
    report = pickbay.scenario(
        {
            "name": "templates",
            "steps": [
                {
                    "every": "1m",
                    "count": 3,
                    "request": {**gm_pick("T-{n:3}"), "capture": {"sr{n}": "id"}},
                },
                {
                    "at": "5m",
                    "request": {
                        "api": "greymatter",
                        "path": SR + "/{sr2}",
                        "capture": {"when": "receivedOn"},
                    },
                },
                {"at": "6m", "request": order("D-{date}")},
                {"at": "6m", "fault": {"vendor": "pickup_cloud", "drop": True}},
                {"at": "6m", "request": order("D-{date+31}/{now-1}")},
            ],
            "expect": [
                {
                    "request": {"api": "greymatter", "path": SR + "/{sr3}"},
                    "answer": {"externalServiceRequestId": "T-003"},
                },
                {"orders": {"api": "greymatter", "number": "T-00?", "count": 3}},
                {"orders": {"api": "pickup_cloud", "number": "D-2030-01-15", "count": 1}},
                {
                    "orders": {
                        "api": "pickup_cloud",
                        "number": "D-2030-02-15/2030-01-14T08:06:00+00:00",
                    }
                },
            ],
        }
    )
    assert report.passed, report.text()


def test_an_expired_token_is_renewed_as_the_vendor_tells_clients(pickbay: Pickbay) -> None:
    # GreyMatter's tokens last an hour of sandbox time; ItemPath's access tokens 15 minutes.
    listing = {"api": "itempath", "path": "/api/orders?countOnly=true"}
    report = pickbay.scenario(
        {
            "name": "tokens",
            "steps": [
                {"request": gm_pick("K-1")},
                {"at": "2h", "request": gm_pick("K-2")},
                {"request": listing},
                {"at": "1h", "request": listing},
            ],
        }
    )
    assert report.passed, report.text()
    assert report.requests == 6  # the two late ones were refused once, then made again


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP receiver that answers 200; its URL and the bodies it got."""
    got: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def test_notifications_delivered_to_the_scenarios_webhook(
    pickbay: Pickbay, hook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, got = hook
    plan = {
        "name": "notified",
        "webhooks": [{"name": "wms", "api": "greymatter", "url": url}],
        "steps": [{"request": gm_pick("N-1")}],
        "expect": [
            {"at": "10m", "notifications": {"webhook": "wms", "delivered": 5, "pending": 0}}
        ],
    }
    report = pickbay.scenario(plan)
    assert report.passed, report.text()
    kinds = [n["notification_type"] for n in got]
    assert kinds[:1] == ["order_information"]
    assert "bin_complete" in kinds


def test_notifications_that_do_not_arrive_fail_after_a_bounded_wait(pickbay: Pickbay) -> None:
    plan = parse(
        {
            "name": "nobody listens",
            "webhooks": [{"name": "gone", "api": "greymatter", "url": "http://127.0.0.1:9/hook"}],
            "steps": [{"request": gm_pick("N-2")}],
            "expect": [{"at": "10m", "notifications": {"webhook": "gone", "delivered": 1}}],
        }
    )
    client = Client(pickbay.url, pickbay.admin_token)
    report = Runner(plan, client, webhook_wait=0.5).run()
    client.close()
    (problem,) = report.failed[0].problems
    assert problem.startswith("0 delivered and ")
    assert "not at least 1" in problem


def test_a_given_server_plays_from_its_own_time(pickbay: Pickbay, tmp_path: Path) -> None:
    path = tmp_path / "given.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "given",
                "end": "15m",
                "steps": [{"at": "10m", "request": order("G-1", "$pickup-010-020")}],
                "expect": [
                    {"orders": {"api": "pickup_cloud", "number": "G-1", "state": "PICKEDUP"}}
                ],
            }
        )
    )
    run = scenario_cli("run", path, "--url", pickbay.url, "--admin-token", pickbay.admin_token)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (pickbay.now() - START).total_seconds() == 15 * 60
    past = tmp_path / "past.yaml"
    past.write_text(yaml.safe_dump({"name": "past", "start": "2020-01-01T00:00:00Z"}))
    refused = scenario_cli("run", past, "--url", pickbay.url, "--admin-token", pickbay.admin_token)
    assert refused.returncode == 2
    assert "past the scenario's start" in refused.stderr
    wrong = scenario_cli("run", path, "--url", pickbay.url, "--admin-token", "nope")
    assert wrong.returncode == 2
    assert "401" in wrong.stderr
    for bad in (("--url", "ftp://x"), ("--database", "nosuchdb://x")):
        refused = scenario_cli("run", path, *bad)
        assert refused.returncode == 2
        assert refused.stderr.startswith("pickbay: ")


def test_the_command_refuses_a_bad_file_and_prints_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "steps": [{"at": "soon"}]}))
    run = scenario_cli("run", path)
    assert run.returncode == 2
    assert "is not a valid scenario" in run.stderr
    assert "steps[0].at" in run.stderr or "steps.0" in run.stderr
    printed = scenario_cli("schema")
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == schema()
