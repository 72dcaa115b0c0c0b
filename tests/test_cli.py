"""The installed command against a real server process and real HTTP clients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REDIS_URL
from tests.signalr.peers import ClientProcess
from tests.signalr.peers import free_port as free_tcp_port

ADMIN = {"Authorization": "Bearer dev"}


def cli(*args: str, env: dict[str, str], check: bool) -> subprocess.CompletedProcess[str]:
    """`pickbay ARGS` as a child process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pickbay", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def run_cli(*args: str, env: dict[str, str]) -> str:
    """What `pickbay ARGS` printed; it must succeed."""
    return cli(*args, env=env, check=True).stdout


@contextmanager
def server(port: int, env: dict[str, str]) -> Iterator[str]:
    """`pickbay serve` as a child process; yields its base URL once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pickbay", "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)  # waiting for a child process to bind, not for sandbox time
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        # uvicorn shuts down cleanly, then re-raises the signal it was stopped with
        assert proc.returncode in (0, -signal.SIGTERM), out
        assert "Application shutdown complete" in out, out


def test_keys_create_prints_the_key_last(tmp_path: Path) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    key = run_cli("keys", "create", "acme", env=env).strip().splitlines()[-1]
    assert key.startswith("pk_")
    assert len(key) > 30
    said = run_cli("keys", "create", "acme", "--origin", "Webshop_A_123", env=env)
    assert "speaking as origin 'Webshop_A_123'" in said
    assert said.strip().splitlines()[-1].startswith("pk_")
    for bad in (["two\nlines"], [" padded"], ["x" * 101], ["acme", "--origin", ""]):
        refused = cli("keys", "create", *bad, env=env, check=False)
        assert refused.returncode == 2, bad
        assert "A tenant's name is" in refused.stderr or "An origin is" in refused.stderr


def test_seed_curl_verbatim_keys_and_restart(tmp_path: Path, free_port: int) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("PICKBAY_ADMIN_TOKEN", None)
    key = run_cli("keys", "create", "acme", env=env).strip().splitlines()[-1]
    start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT00:00:00")
    end = (datetime.now(UTC) + timedelta(days=62)).strftime("%Y-%m-%dT00:00:00")
    seed_body = (
        '\n{\n     "orderNumber": "8e7c4ac1-91e5-4882-a914-05f7fc50e124",\n'
        '     "relatedNotes": "string",\n     "dosageInformation": "string",\n'
        '     "sendCustomerPickupMail": true,\n     "customerSelfRegistration": false,\n'
        '     "customerDetails": {\n          "fullName": "Max Mustermann",\n'
        '          "address": "Ansbacher Strasse 75",\n          "postalCode": "55608",\n'
        '          "city": "Schneppenbach",\n          "country": "Deutschland",\n'
        '          "phoneNumber": "+49 06544 97 08 25",\n          "email": "[email protected]"\n'
        '     },\n     "articles": [\n          {\n               "scanCode": "5948912001188",\n'
        '               "name": "Bayer Aspirin 500mg x 8",\n               "quantityOrdered": 10,\n'
        '               "interval": 10\n          }\n     ],\n'
        f'     "startDate": "{start}",\n     "endDate": "{end}"\n}}\n'
    )
    with server(free_port, env) as base:
        curl = subprocess.run(
            [
                "curl",
                "--silent",
                "--request",
                "POST",
                "--url",
                f"{base}/api/v2/recurrentorders",
                "--header",
                "Accept: application/json",
                "--header",
                "Content-Type: application/*+json",
                "--header",
                "x-api-key: dev",
                "--data",
                seed_body,
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        created = json.loads(curl.stdout)
        assert created["state"] == "SCHEDULED", curl.stdout
        assert created["articles"] == []
        assert created["orderNumber"] == "8e7c4ac1-91e5-4882-a914-05f7fc50e124"

        r = httpx.post(
            f"{base}/api/v2/orders",
            headers={"x-api-key": key},
            json={
                "orderNumber": "S1",
                "relatedNotes": "$pickup-3600-7200",
                "articles": [{"scanCode": "1", "quantityOrdered": 1}],
            },
        )
        assert r.status_code == 200
        assert httpx.post(
            f"{base}/pickbay/v1/clock", json={"paused": True}, headers=ADMIN
        ).is_success
        assert httpx.get(f"{base}/docs").status_code == 200

    with server(free_port, env) as base:
        clock = httpx.get(f"{base}/pickbay/v1/clock", headers=ADMIN).json()
        assert clock["paused"] is True
        r = httpx.post(f"{base}/pickbay/v1/clock/advance", json={"seconds": 3600}, headers=ADMIN)
        assert r.json()["timersFired"] >= 1
        order = httpx.get(f"{base}/api/v2/orders/by-ordernumber/S1", headers={"x-api-key": key})
        assert order.json()["state"] == "READYFORPICKUP"
        httpx.post(f"{base}/pickbay/v1/clock/advance", json={"seconds": 3600}, headers=ADMIN)
        order = httpx.get(f"{base}/api/v2/orders/by-ordernumber/S1", headers={"x-api-key": key})
        assert order.json()["state"] == "PICKEDUP"
        seed = httpx.get(
            f"{base}/api/v2/orders/by-ordernumber/8e7c4ac1-91e5-4882-a914-05f7fc50e124",
            headers={"x-api-key": "dev"},
        )
        assert seed.json()["articles"][0]["quantityOrdered"] == 10


async def test_two_processes_share_events_over_redis(postgres_url: str) -> None:
    """A hub client on one `pickbay serve` hears of an order created through another."""
    env = {
        **os.environ,
        "PICKBAY_DATABASE_URL": postgres_url,
        "PICKBAY_REDIS_URL": REDIS_URL,
        # Only the backplane can carry the news in time: no process polls the log.
        "PICKBAY_RELAY_POLL_SECONDS": "3600",
    }
    ports = [free_tcp_port(), free_tcp_port()]
    with server(ports[0], env) as first, server(ports[1], env) as second:
        client = await ClientProcess.js(
            url=first + "/hubs/pickup-cloud",
            headers={"x-api-key": "dev"},
            methods=["OrderStateChanged"],
        )
        try:
            await client.event("connected")
            async with httpx.AsyncClient(base_url=second) as http:
                r = await http.post(
                    "/api/v2/orders",
                    headers={"x-api-key": "dev"},
                    json={
                        "orderNumber": "ACROSS",
                        "articles": [{"scanCode": "1", "quantityOrdered": 1}],
                    },
                )
                assert r.status_code == 200, r.text
            pushed = await client.event("message")
            assert pushed["args"][:3] == ["ACROSS", r.json()["pickupCode"], "READYFORINPUT"]
        finally:
            await client.stop()


def test_itempath_users_tokens_and_the_seed_curls(tmp_path: Path, free_port: int) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'i.db'}"}
    saved = run_cli("users", "create", "wms", "--password", "pw", env=env)
    assert "wms" in saved
    token = run_cli("users", "token", "wms", env=env).strip().splitlines()[-1]
    failed = subprocess.run(
        [sys.executable, "-m", "pickbay", "users", "token", "ghost"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode != 0
    body = (
        '{\n    "name": "Sample Put Order",\n    "directionType": "Put",\n'
        '    "allocate": true,\n    "order_lines": [\n        {\n'
        '            "materialId": "8E7EC42A-F2B2-4B64-BF71-750F006DEF8D",\n'
        '            "quantity": 1,\n            "Info1": "TEST",\n'
        '            "serialNumber": 8\n        }\n    ]\n}'
    )
    with server(free_port, env) as base:

        def curl(*args: str) -> Any:
            done = subprocess.run(
                ["curl", "--silent", *args], capture_output=True, text=True, timeout=30, check=True
            )
            return json.loads(done.stdout)

        # The vendor's curls, but for the address, the token and the method's case: the docs
        # write `-X get`, and HTTP methods are case-sensitive (RFC 9110), so servers refuse it.
        auth = f"Authorization: Bearer {token}"
        created = curl(
            f"{base}/api/orders",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            auth,
            "-d",
            body,
        )
        order_id = created["order"]["id"]
        listed = curl(
            f"{base}/api/orders", "-X", "GET", "-H", "Content-Type: application/json", "-H", auth
        )
        assert [o["id"] for o in listed["orders"]] == [order_id]
        shown = curl(
            "-L",
            "-X",
            "GET",
            f"{base}/api/orders/{order_id}",
            "-H",
            "Content-Type: application/json",
            "-H",
            auth,
        )
        assert shown["order"]["name"] == "Sample Put Order"
        updated = curl(
            f"{base}/orders/{order_id}",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/json",
            "-H",
            auth,
            "-d",
            '{"allocate": "false", "handlingUnit": "Box 1"}',
        )
        assert updated["order"]["handlingUnit"] == "Box 1"
        deleted = curl(
            "-L",
            "-X",
            "DELETE",
            f"{base}/api/orders/{order_id}/delete",
            "-H",
            "Content-Type: application/json",
            "-H",
            auth,
        )
        assert deleted == {"deleted": "true"}
        logged = httpx.post(f"{base}/api/users/login", json={"username": "wms", "password": "pw"})
        assert logged.json()["login"] is True


def test_webhooks_are_added_listed_and_deleted(tmp_path: Path) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    added = run_cli("webhooks", "add", "http://127.0.0.1:9/hook", "--secret", "s3", env=env)
    assert added.splitlines()[0] == "Subscribed http://127.0.0.1:9/hook as webhook 1 (greymatter)."
    assert added.splitlines()[-1] == "s3"
    assert run_cli("webhooks", "list", env=env) == "1\tgreymatter\thttp://127.0.0.1:9/hook\n"
    bad = subprocess.run(
        [sys.executable, "-m", "pickbay", "webhooks", "add", "ftp://x"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "http" in bad.stderr
    assert run_cli("webhooks", "delete", "1", env=env) == "Deleted webhook 1.\n"
    assert run_cli("webhooks", "list", env=env) == "No webhooks.\n"


def test_serve_refuses_the_network_with_default_credentials(tmp_path: Path) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}"}
    env.pop("PICKBAY_ALLOW_DEFAULT_CREDENTIALS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pickbay", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "refusing to serve on 0.0.0.0" in done.stderr
    assert "PICKBAY_ADMIN_TOKEN" in done.stderr
    assert "--allow-default-credentials" in done.stderr
    assert not (tmp_path / "n.db").exists()  # refused before anything was touched


def test_a_fault_added_from_the_command_line_reaches_a_running_server(
    tmp_path: Path, free_port: int
) -> None:
    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    with server(free_port, env) as base:
        spec = '{"vendor": "pickup_cloud", "method": "GET", "status": 503, "retryAfter": 9}'
        made = json.loads(run_cli("faults", "add", spec, env=env))
        assert (made["status"], made["retryAfter"]) == (503, 9)
        url = f"{base}/api/v2/orders"
        # The server sees a change made behind its back within a couple of seconds.
        deadline = time.monotonic() + 10
        while httpx.get(url, headers={"x-api-key": "dev"}).status_code != 503:
            assert time.monotonic() < deadline, "the server never saw the fault"
            time.sleep(0.1)  # waiting for another process, not for sandbox time
        listed = run_cli("faults", "list", env=env).strip().splitlines()
        assert [json.loads(line)["id"] for line in listed] == [made["id"]]
        assert "Removed fault" in run_cli("faults", "remove", str(made["id"]), env=env)
        refused = cli("faults", "remove", str(made["id"]), env=env, check=False)
        assert refused.returncode == 1
        assert "no fault" in refused.stderr
        bad = cli("faults", "add", '{"status": 200}', env=env, check=False)
        assert bad.returncode == 2
        assert "status" in bad.stderr
        assert run_cli("faults", "clear", env=env).strip() == "Removed 0 faults."
