"""Clients generated from each vendor's document with a mainstream generator
(openapi-python-client) run that vendor's seed flow against a live pickbay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from importlib import import_module
from pathlib import Path
from types import ModuleType

import pytest

from pickbay.testing import Pickbay
from tests.http.test_openapi import DOCUMENTS
from tests.vendors.greymatter.http.test_routes import pick

ARTICLE = {"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 2}
# The vendor's example, under ids of its own.
SEED_PICK = pick(
    "GEN_033", ("GEN_033_01", 5, "product_sku = 'MM00001'"), order_options={"priority": 1}
)


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Python client package per vendor document, generated as an integrator would."""
    where = tmp_path_factory.mktemp("clients")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    for api in ("pickup-cloud", "itempath", "greymatter"):
        document = where / f"{api}.json"
        document.write_text(json.dumps(DOCUMENTS[api]))
        package = api.replace("-", "_") + "_client"
        done = subprocess.run(
            [
                os.path.join(bin_dir, "openapi-python-client"),
                "generate",
                "--path",
                str(document),
                "--meta",
                "none",
                "--output-path",
                str(where / package),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(where))
    try:
        yield where
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Closes the generated clients (and their connections) after the test."""
    with ExitStack() as opened:
        yield opened


def _load(package: str, *modules: str) -> list[ModuleType]:
    return [import_module(f"{package}.{m}") for m in modules]


def test_a_generated_pickup_cloud_client_runs_the_pickup_flow(
    clients: Path, pickbay: Pickbay, stack: ExitStack
) -> None:
    pc = "pickup_cloud_client"
    (client_mod, models, create, by_number, cancel) = _load(
        pc,
        "client",
        "models",
        "api.pickup_cloud.create_order",
        "api.pickup_cloud.get_by_order_number",
        "api.pickup_cloud.cancel",
    )
    client = stack.enter_context(
        client_mod.AuthenticatedClient(
            base_url=pickbay.url, token=pickbay.api_key, prefix="", auth_header_name="x-api-key"
        )
    )
    unknown = stack.enter_context(
        client_mod.AuthenticatedClient(
            base_url=pickbay.url, token="wrong", prefix="", auth_header_name="x-api-key"
        )
    )
    body = models.OrderIn.from_dict(
        {"orderNumber": "GEN-1", "relatedNotes": "$pickup-010-030", "articles": [ARTICLE]}
    )
    made = create.sync(client=client, body=body)
    assert isinstance(made, models.OrderOut)
    assert made.state == models.PickupState.READYFORINPUT
    assert isinstance(create.sync(client=client, body=body), models.ProblemDetails)  # a 409
    pickbay.advance(31)
    found = by_number.sync(order_number="GEN-1", client=client)
    assert isinstance(found, models.OrderOut)
    assert found.state == models.PickupState.PICKEDUP
    assert len(found.articles[0].picked_up_packs) == 2
    refused = cancel.sync_detailed(order_number="GEN-1", client=client)
    assert refused.status_code == 409
    assert isinstance(refused.parsed, models.ProblemDetails)
    assert by_number.sync_detailed(order_number="GEN-1", client=unknown).status_code == 401


def test_a_generated_itempath_client_runs_the_order_flow(
    clients: Path, pickbay: Pickbay, stack: ExitStack
) -> None:
    ip = "itempath_client"
    (client_mod, models, login, create, show, listing, update) = _load(
        ip,
        "client",
        "models",
        "api.item_path.login",
        "api.item_path.create_order",
        "api.item_path.show_order",
        "api.item_path.list_orders",
        "api.item_path.update_order",
    )
    anonymous = stack.enter_context(client_mod.Client(base_url=pickbay.url))
    wrong = login.sync(client=anonymous, body=models.Login(username="admin", password="no"))
    assert isinstance(wrong, models.ErrorList)
    tokens = login.sync(client=anonymous, body=models.Login(username="admin", password="admin"))
    assert isinstance(tokens, models.Tokens)
    client = stack.enter_context(
        client_mod.AuthenticatedClient(base_url=pickbay.url, token=tokens.access_token)
    )
    body = models.NewOrder.from_dict(
        {
            "name": "GEN-PICK",
            "directionType": "Pick",
            "ORDERNOTE": "generated",
            "order_lines": [{"materialName": "S105", "quantity": 2}],
        }
    )
    made = create.sync(client=client, body=body)
    assert isinstance(made, models.OneOrder)
    assert made.order.status == models.OrderStatus.QUEUED
    assert made.order.ordernote == "generated"
    pickbay.advance(10)
    shown = show.sync(order_id=made.order.id, client=client)
    assert isinstance(shown, models.OneOrder)
    assert shown.order.status != models.OrderStatus.QUEUED
    allocated = update.sync(
        order_id=made.order.id,
        client=client,
        body=models.OrderChanges.from_dict({"allocate": True}),
    )
    assert isinstance(allocated, models.OneOrder)
    assert allocated.order.storage_units[0].name
    counted = listing.sync(client=client, count_only=True)
    assert isinstance(counted, models.Count)
    assert counted.count >= 1
    page = listing.sync(client=client, limit=5, order_by="-name")
    assert isinstance(page, models.Orders)
    assert "GEN-PICK" in [o.name for o in page.orders]


def test_a_generated_greymatter_client_runs_the_service_request_flow(
    clients: Path, pickbay: Pickbay, stack: ExitStack
) -> None:
    gm = "greymatter_client"
    (client_mod, models, token, create, show, cancel) = _load(
        gm,
        "client",
        "models",
        "api.grey_matter.token",
        "api.grey_matter.create",
        "api.grey_matter.show",
        "api.grey_matter.cancel",
    )
    platform = stack.enter_context(
        client_mod.AuthenticatedClient(
            base_url=pickbay.url, token="YnV0bGVyOmJ1dGxlcg==", prefix="Basic"
        )
    )
    grant = models.TokenBody(
        grant_type=models.TokenBodyGrantType.PASSWORD, username="admin", password="admin"
    )
    issued = token.sync(client=platform, body=grant)
    assert isinstance(issued, models.Token)
    assert issued.expires_in > 0
    client = stack.enter_context(
        client_mod.AuthenticatedClient(base_url=pickbay.url, token=issued.access_token)
    )
    made = create.sync(client=client, body=models.ServiceRequestIn.from_dict(SEED_PICK))
    assert isinstance(made, models.ServiceRequest)
    assert made.type_ == models.RequestType.PICK
    assert isinstance(
        create.sync(client=client, body=models.ServiceRequestIn.from_dict(SEED_PICK)), models.Error
    )
    pickbay.advance(2)
    shown = show.sync(sr_id=str(made.id), client=client)
    assert isinstance(shown, models.ServiceRequest)
    assert shown.state != "CREATED"
    accepted = cancel.sync(
        client=client,
        body=models.ServiceRequestReference.from_dict(
            {"externalServiceRequestId": "GEN_033", "type": "PICK"}
        ),
    )
    assert isinstance(accepted, models.Accepted)
    pickbay.advance(30 * 24 * 3600)  # past the token's hour
    expired = show.sync_detailed(sr_id=str(made.id), client=client)
    assert expired.status_code == 401
    assert isinstance(expired.parsed, models.Error)
