"""GreyMatter's token endpoint as the platform's reference shows it, and its tokens on the
service-request API: expiry on the sandbox clock, the static token beside them, users."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import httpx
import jwt

from pickbay.runtime import Runtime
from tests.test_cli import cli, run_cli
from tests.vendors.greymatter.http.test_routes import AUTH, BASE, SEED_CREATE

TOKEN = "/api-gateway/auth-service/platform-auth/oauth/token"
CLIENT = {"Authorization": "Basic YnV0bGVyOmJ1dGxlcg==", "Accept": "application/json"}
FORM = {**CLIENT, "Content-Type": "application/x-www-form-urlencoded"}
ADMIN = {"Authorization": "Bearer dev"}


async def fetch(client: httpx.AsyncClient, body: bytes, **params: str) -> httpx.Response:
    return await client.post(TOKEN, content=body, headers=FORM, params=params)


async def test_the_reference_example_fetches_a_token_that_works_until_it_expires(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    r = await fetch(client, b"grant_type=password&username=admin&password=admin")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    body = r.json()
    assert list(body) == ["access_token", "token_type", "expires_in", "scope", "jti"]
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 3600, "openid")
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == "butler"
    assert claims["exp"] == int((app_runtime.clock.now() + timedelta(hours=1)).timestamp())
    bearer = {"Authorization": f"Bearer {body['access_token']}"}

    created = await client.post(BASE, json=SEED_CREATE, headers=bearer)
    assert created.status_code == 200, created.text
    await app_runtime.scheduler.advance(3599)
    assert (await client.get(f"{BASE}/{created.json()['id']}", headers=bearer)).status_code == 200
    await app_runtime.scheduler.advance(1)
    expired = await client.get(f"{BASE}/{created.json()['id']}", headers=bearer)
    assert expired.status_code == 401
    assert list(expired.json()) == ["timestamp", "status", "error", "message", "path"]
    assert (expired.json()["status"], expired.json()["error"]) == (401, "Unauthorized")
    assert "expired" in expired.json()["message"]
    # The static sandbox token keeps working; a new token works again.
    assert (await client.get(f"{BASE}/{created.json()['id']}", headers=AUTH)).status_code == 200
    again = await fetch(client, b"", grant_type="password", username="admin", password="admin")
    assert again.status_code == 200  # as URL parameters, as the reference allows
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get(f"{BASE}/{created.json()['id']}", headers=fresh)).status_code == 200


async def test_what_the_token_endpoint_refuses_changes_nothing(client: httpx.AsyncClient) -> None:
    good = b"grant_type=password&username=admin&password=admin"
    cases = [
        ({**FORM, "Authorization": "Basic b3RoZXI6b3RoZXI="}, good, 401, "unauthorized"),
        ({k: v for k, v in FORM.items() if k != "Authorization"}, good, 401, "unauthorized"),
        (FORM, b"grant_type=password&username=admin&password=wrong", 401, "invalid_grant"),
        (FORM, b"grant_type=password&username=ghost&password=admin", 401, "invalid_grant"),
        (FORM, b"grant_type=password&username=admin", 401, "invalid_grant"),
        (FORM, b"username=admin&password=admin", 400, "invalid_request"),
        (FORM, b"grant_type=client_credentials", 400, "unsupported_grant_type"),
        (FORM, b"grant_type=password&username=ad%00min&password=admin", 400, "invalid_request"),
        (FORM, b"grant_type=password&username=%ff&password=admin", 401, "invalid_grant"),
        ({**CLIENT, "Content-Type": "application/json"}, b'{"a":1}', 415, "invalid_request"),
    ]
    for headers, body, status, error in cases:
        r = await client.post(TOKEN, content=body, headers=headers)
        assert (r.status_code, r.json()["error"]) == (status, error), (body, r.text)
        assert list(r.json()) == ["error", "error_description"]
    too_big = await client.post(TOKEN, content=b"x" * 2_000_000, headers=FORM)
    assert (too_big.status_code, too_big.json()["error"]) == (413, "invalid_request")
    assert (await client.get(TOKEN, headers=CLIENT)).status_code == 405


async def test_users_are_added_through_the_api_and_the_cli(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await client.post(
        "/pickbay/v1/greymatter/users", json={"username": "wms", "password": "pw"}
    )
    assert r.status_code == 401
    r = await client.post(
        "/pickbay/v1/greymatter/users", json={"username": "wms", "password": "pw"}, headers=ADMIN
    )
    assert (r.status_code, r.json()) == (201, {"username": "wms", "saved": True})
    assert (await fetch(client, b"grant_type=password&username=wms&password=pw")).is_success
    bad = await client.post(
        "/pickbay/v1/greymatter/users", json={"username": "", "password": "pw"}, headers=ADMIN
    )
    assert bad.status_code == 400

    env = {**os.environ, "PICKBAY_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"}
    said = run_cli("users", "create", "erp", "--password", "s3", "--system", "greymatter", env=env)
    assert "Saved GreyMatter user 'erp'" in said
    said = run_cli("users", "create", "erp", "--password", "s3", env=env)
    assert "Saved ItemPath user 'erp'" in said
    refused = cli(
        "users", "create", "x", "--password", "y", "--system", "pickup_cloud", env=env, check=False
    )
    assert refused.returncode == 1
    assert "no system 'pickup_cloud' has users of its own" in refused.stderr
