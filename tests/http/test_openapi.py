"""The OpenAPI documents: one per API, each whole on its own, every error in its API's body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from pickbay import testing
from pickbay.app import create_app
from pickbay.testing import Pickbay
from tests.vendors.greymatter.http.test_routes import pick as pick_request

DOCUMENTS = create_app(testing.settings("sqlite+aiosqlite://")).state.documents()
PREFIXES = {
    "pickup-cloud": ("/api/v2/",),
    "itempath": ("/api/",),
    "greymatter": ("/api-gateway/",),
    "pickbay": ("/pickbay/v1/", "/healthz", "/readyz"),
}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_each_api_has_its_own_document_and_only_its_operations() -> None:
    assert set(DOCUMENTS) == set(PREFIXES)
    for api, doc in DOCUMENTS.items():
        assert doc["paths"], api
        for path in doc["paths"]:
            assert path.startswith(PREFIXES[api]), (api, path)
            if api == "itempath":
                assert not path.startswith(("/api/v2/", "/api-gateway/")), path


@pytest.mark.parametrize("api", sorted(PREFIXES))
def test_a_document_stands_on_its_own(api: str) -> None:
    doc = DOCUMENTS[api]
    schemas = doc["components"]["schemas"]
    # Two models of one name would be named by their modules: keep names the API's own.
    assert [name for name in schemas if "__" in name] == []
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, (api, ref)
    schemes = doc["components"].get("securitySchemes", {})
    for item in doc["paths"].values():
        for operation in item.values():
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes), (api, requirement)


@pytest.mark.parametrize("api", sorted(PREFIXES))
def test_every_error_is_documented_in_the_apis_own_body(api: str) -> None:
    for path, item in DOCUMENTS[api]["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                if int(status) < 400:
                    continue
                (body,) = response["content"].values()
                assert "HTTPValidationError" not in str(body), (method, path, status)
                assert body["schema"], (method, path, status)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(responses), (method, path)
            if operation.get("security"):
                assert "401" in responses, (method, path)


def test_bodies_read_by_hand_are_documented() -> None:
    for api in ("itempath", "greymatter", "pickup-cloud"):
        for path, item in DOCUMENTS[api]["paths"].items():
            for method, operation in item.items():
                if method in ("post", "put"):
                    assert "requestBody" in operation, (api, method, path)


class Conformance:
    """Calls over real HTTP, each answer checked against its API's document: its status is
    documented, and its body has the documented media type and fits the documented schema."""

    def __init__(self, server: Pickbay) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=10)
        self.seen: set[tuple[str, str, str]] = set()

    def call(
        self, api: str, method: str, template: str, status: int, **kwargs: Any
    ) -> httpx.Response:
        """Call `template` (filled from `path=`), expect `status`, check the answer."""
        path = template.format(**kwargs.pop("path", {}))
        r = self.http.request(method, path, **kwargs)
        assert r.status_code == status, (method, path, r.status_code, r.text[:300])
        doc = DOCUMENTS[api]
        responses = doc["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, (method, template, status)
        content = responses[str(status)].get("content")
        if content:
            media = r.headers["content-type"].split(";")[0].strip()
            assert media in content, (method, template, status, media, list(content))
            schema = content[media].get("schema")
            if schema and media.endswith("json"):
                root = {**schema, "components": doc["components"]}
                errors = [
                    e.message for e in jsonschema_rs.validator_for(root).iter_errors(r.json())
                ]
                assert errors == [], (method, template, status, errors[:3], r.text[:300])
        self.seen.add((api, method.lower(), template))
        return r


@pytest.fixture
def conform(pickbay: Pickbay) -> Iterator[Conformance]:
    """A checker of answers against the documents, on a live server."""
    checker = Conformance(pickbay)
    try:
        yield checker
    finally:
        checker.http.close()


PC = "pickup-cloud"
KEY = {"x-api-key": "dev"}
ADMIN = {"Authorization": "Bearer dev"}


def test_pickup_cloud_answers_as_documented(conform: Conformance) -> None:
    order = {
        "orderNumber": "DOC-1",
        "articles": [{"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 1}],
    }
    c = conform.call
    made = c(PC, "POST", "/api/v2/orders", 200, json=order, headers=KEY).json()
    c(PC, "POST", "/api/v2/orders", 409, json=order, headers=KEY)
    c(PC, "POST", "/api/v2/orders", 400, json={"orderNumber": ""}, headers=KEY)
    c(PC, "POST", "/api/v2/orders", 401, json=order)
    c(
        PC,
        "POST",
        "/api/v2/orders",
        415,
        content=b"x",
        headers={**KEY, "content-type": "text/plain"},
    )
    number = {"orderNumber": "DOC-1"}
    c(PC, "GET", "/api/v2/orders/by-ordernumber/{orderNumber}", 200, path=number, headers=KEY)
    c(
        PC,
        "GET",
        "/api/v2/orders/by-ordernumber/{orderNumber}",
        404,
        path={"orderNumber": "no"},
        headers=KEY,
    )
    code = {"pickupCode": made["pickupCode"]}
    c(PC, "GET", "/api/v2/orders/by-pickupcode/{pickupCode}", 200, path=code, headers=KEY)
    c(PC, "GET", "/api/v2/orders", 200, params={"take": 5}, headers=KEY)
    c(PC, "GET", "/api/v2/orders", 400, params={"take": 0}, headers=KEY)
    behalf = {**order, "orderNumber": "DOC-2", "origin": "clinic", "originOrderNumber": "C-9"}
    c(PC, "POST", "/api/v2/orders/on-behalf-of", 200, json=behalf, headers=KEY)
    recurrent = {
        "orderNumber": "DOC-3",
        "articles": [{**order["articles"][0], "interval": 10}],  # type: ignore[dict-item]
        "startDate": "2030-02-01T00:00:00",
        "endDate": "2030-03-01T00:00:00",
    }
    c(PC, "POST", "/api/v2/recurrentorders", 200, json=recurrent, headers=KEY)
    ops = "/pickbay/v1/pickup-cloud"
    c(
        "pickbay",
        "POST",
        ops + "/input",
        200,
        json={"storageCode": made["storageCode"]},
        headers=ADMIN,
    )
    c(
        "pickbay",
        "GET",
        ops + "/orders/{code}",
        200,
        path={"code": made["pickupCode"]},
        headers=ADMIN,
    )
    c(
        "pickbay",
        "POST",
        ops + "/pickup",
        200,
        json={"pickupCode": made["pickupCode"]},
        headers=ADMIN,
    )
    c("pickbay", "POST", ops + "/input", 404, json={"storageCode": "nothing"}, headers=ADMIN)
    cancel = "/api/v2/orders/by-ordernumber/{orderNumber}/cancel"
    c(PC, "POST", cancel, 409, path=number, headers=KEY)
    c(
        PC,
        "POST",
        cancel,
        200,
        path={"orderNumber": "DOC-2"},
        json={"cancellationReason": "x"},
        headers=KEY,
    )
    c("pickbay", "POST", ops + "/cancel", 409, json={"code": made["pickupCode"]}, headers=ADMIN)


def test_itempath_answers_as_documented(conform: Conformance) -> None:
    c = conform.call
    ip = "itempath"
    c(ip, "POST", "/api/users/login", 404, json={"username": "admin", "password": "no"})
    c(ip, "POST", "/api/users/login", 400, json={"username": "admin"})
    tokens = c(
        ip, "POST", "/api/users/login", 200, json={"username": "admin", "password": "admin"}
    ).json()
    auth = {"Authorization": "Bearer " + tokens["accessToken"]}
    c(
        ip,
        "GET",
        "/api/users/refresh",
        200,
        headers={"Authorization": "Bearer " + tokens["refreshToken"]},
    )
    c(ip, "GET", "/api/users/refresh", 422, headers=auth)
    c(ip, "GET", "/api/orders", 401)
    c(ip, "GET", "/api/orders", 422, headers={"Authorization": "Bearer not-a-token"})
    order = {
        "name": "DOC-PICK",
        "directionType": "Pick",
        "ORDERNOTE": "by the document",
        "order_lines": [{"materialName": "S105", "quantity": 2, "Info1": "x"}],
    }
    made = c(ip, "POST", "/api/orders", 200, json=order, headers=auth).json()["order"]
    c(ip, "POST", "/api/orders", 400, json={"name": "x", "order_lines": []}, headers=auth)
    one = {"order_id": made["id"]}
    c(
        ip,
        "GET",
        "/api/orders",
        200,
        params={"name": "[like]DOC%", "orderBy": "-name"},
        headers=auth,
    )
    c(ip, "GET", "/api/orders", 200, params={"countOnly": "true"}, headers=auth)
    c(ip, "GET", "/api/orders", 400, params={"nothing": "1"}, headers=auth)
    c(ip, "GET", "/api/orders/{order_id}", 200, path=one, headers=auth)
    c(ip, "GET", "/api/orders/{order_id}", 404, path={"order_id": "none"}, headers=auth)
    c(ip, "PUT", "/api/orders/{order_id}", 200, path=one, json={"priority": 3}, headers=auth)
    lines = c(ip, "GET", "/api/order_lines", 200, params={"orderId": made["id"]}, headers=auth)
    line = lines.json()["order_lines"][0]
    c(ip, "GET", "/api/order_lines/{line_id}", 200, path={"line_id": line["id"]}, headers=auth)
    new_line = {"orderId": made["id"], "materialName": "S105", "quantity": 1}
    c(ip, "POST", "/api/order_lines", 200, json=new_line, headers=auth)
    c(ip, "GET", "/api/materials", 200, headers=auth)
    c(ip, "GET", "/api/materials", 200, params={"countOnly": "1"}, headers=auth)
    c(ip, "POST", "/api/materials", 200, json={"name": "DOC-M", "Description": "d"}, headers=auth)
    key = {"key": "DOC-M"}
    c(ip, "GET", "/api/materials/{key}", 200, path=key, headers=auth)
    c(ip, "POST", "/api/materials/{key}", 200, path=key, json={"Info1": "i"}, headers=auth)
    c(
        "pickbay",
        "PUT",
        "/pickbay/v1/itempath/materials/{key}/stock",
        200,
        path=key,
        json={"quantity": 5},
        headers=ADMIN,
    )
    c(ip, "DELETE", "/api/materials/{key}", 200, path=key, headers=auth)
    c(ip, "PUT", "/api/orders/{order_id}", 200, path=one, json={"allocate": True}, headers=auth)
    c("pickbay", "POST", "/pickbay/v1/clock/advance", 200, json={"seconds": 20}, headers=ADMIN)
    history = c(ip, "GET", "/api/transactions", 200, params={"type": "4"}, headers=auth)
    c(ip, "GET", "/api/transactions", 200, params={"countOnly": "true"}, headers=auth)
    c(ip, "GET", "/api/transactions", 400, params={"type": "pick"}, headers=auth)
    row = {"transaction_id": history.json()["transactions"][0]["id"]}
    c(ip, "GET", "/api/transactions/{transaction_id}", 200, path=row, headers=auth)
    c(
        ip,
        "GET",
        "/api/transactions/{transaction_id}",
        404,
        path={"transaction_id": "x"},
        headers=auth,
    )
    exported = {"exportStateType": 4}
    c(ip, "POST", "/api/transactions/{transaction_id}", 200, path=row, json=exported, headers=auth)
    c(ip, "POST", "/api/transactions/{transaction_id}", 400, path=row, json={}, headers=auth)
    c(ip, "DELETE", "/api/orders/{order_id}/delete", 200, path=one, headers=auth)
    users = "/pickbay/v1/itempath/users"
    c("pickbay", "POST", users, 201, json={"username": "erp", "password": "pw"}, headers=ADMIN)
    c(
        "pickbay",
        "POST",
        users + "/{username}/application-token",
        200,
        path={"username": "erp"},
        headers=ADMIN,
    )


GM = "greymatter"
SR = "/api-gateway/sr-service/platform-srms/service-request"
TOKEN = "/api-gateway/auth-service/platform-auth/oauth/token"
CLIENT = {"Authorization": "Basic YnV0bGVyOmJ1dGxlcg=="}


def test_greymatter_answers_as_documented(conform: Conformance) -> None:
    c = conform.call
    grant = {"grant_type": "password", "username": "admin", "password": "admin"}
    c(GM, "POST", TOKEN, 401, data=grant)
    c(GM, "POST", TOKEN, 400, data={"grant_type": "other"}, headers=CLIENT)
    token = c(GM, "POST", TOKEN, 200, data=grant, headers=CLIENT).json()["access_token"]
    auth = {"Authorization": "Bearer " + token}
    pick = pick_request(
        "DOC-SR",
        ("DOC-SR_1", 1, "product_sku = 'MM00001'"),
        pick_before_time="2030-04-09T18:00:00Z",
    )
    made = c(GM, "POST", SR, 200, json=pick, headers=auth).json()
    c(GM, "POST", SR, 400, json=pick, headers=auth)  # a taken id is bad data
    c(GM, "POST", SR, 401, json=pick)
    c(GM, "GET", SR + "/{sr_id}", 200, path={"sr_id": made["id"]}, headers=auth)
    line = made["serviceRequests"][0]["id"]
    c(GM, "GET", SR + "/{sr_id}", 200, path={"sr_id": line}, headers=auth)
    c(GM, "GET", SR + "/{sr_id}", 404, path={"sr_id": 999999}, headers=auth)
    ops = "/pickbay/v1/greymatter/service-requests/{sr_id}"
    one = {"sr_id": made["id"]}
    c("pickbay", "POST", ops + "/check", 200, path=one, headers=ADMIN)
    c("pickbay", "POST", ops + "/reach", 200, path=one, headers=ADMIN)
    both = {**one, "line_id": "DOC-SR_1"}
    c("pickbay", "POST", ops + "/lines/{line_id}/pick", 200, path=both, json={}, headers=ADMIN)
    c("pickbay", "POST", ops + "/check", 409, path=one, headers=ADMIN)
    reference = {"externalServiceRequestId": "DOC-SR", "type": "PICK"}
    c(GM, "POST", SR + "/cancel", 200, json=reference, headers=auth)
    changes = {**reference, "attributes": {"simple_priority": "high"}}
    c(GM, "POST", SR + "/modify", 200, json=changes, headers=auth)
    c(
        GM,
        "POST",
        SR + "/modify",
        404,
        json={**changes, "externalServiceRequestId": "none"},
        headers=auth,
    )
    c("pickbay", "GET", "/pickbay/v1/greymatter/stock", 200, headers=ADMIN)
    count = {"attributes": {"product_sku": "DOC-1"}, "quantity": 3}
    c("pickbay", "PUT", "/pickbay/v1/greymatter/stock", 200, json=count, headers=ADMIN)
    user = {"username": "host", "password": "pw"}
    c("pickbay", "POST", "/pickbay/v1/greymatter/users", 201, json=user, headers=ADMIN)


def test_own_answers_as_documented(conform: Conformance, pickbay: Pickbay) -> None:
    c = conform.call
    own = "pickbay"
    c(own, "GET", "/healthz", 200)
    c(own, "GET", "/readyz", 200)
    c(own, "GET", "/pickbay/v1/clock", 200, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/clock", 401)
    c(own, "POST", "/pickbay/v1/clock/advance", 200, json={"seconds": 1}, headers=ADMIN)
    c(own, "POST", "/pickbay/v1/clock", 200, json={"paused": True}, headers=ADMIN)
    c(own, "POST", "/pickbay/v1/clock", 400, json={"speed": -1}, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/cluster", 200, headers=ADMIN)
    c(own, "POST", "/pickbay/v1/keys", 201, json={"tenant": "doc-tenant"}, headers=ADMIN)
    faults = "/pickbay/v1/faults"
    spec = {"vendor": "itempath", "path": "/api/none", "status": 503, "count": 1, "seed": 3}
    made = c(own, "POST", faults, 201, json=spec, headers=ADMIN).json()
    c(own, "POST", faults, 400, json={"status": 200}, headers=ADMIN)
    c(own, "GET", faults, 200, headers=ADMIN)
    c(own, "GET", faults + "/{fault_id}", 200, path={"fault_id": made["id"]}, headers=ADMIN)
    c(own, "DELETE", faults + "/{fault_id}", 204, path={"fault_id": made["id"]}, headers=ADMIN)
    c(own, "DELETE", faults + "/{fault_id}", 404, path={"fault_id": made["id"]}, headers=ADMIN)
    c(own, "DELETE", faults, 200, headers=ADMIN)
    hook = c(
        own,
        "POST",
        "/pickbay/v1/webhooks",
        201,
        json={"url": "http://127.0.0.1:9/x"},
        headers=ADMIN,
    ).json()
    one = {"subscription_id": hook["id"]}
    c(own, "GET", "/pickbay/v1/webhooks", 200, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/webhooks/{subscription_id}", 200, path=one, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/webhooks/{subscription_id}/deliveries", 200, path=one, headers=ADMIN)
    c(
        own,
        "GET",
        "/pickbay/v1/webhooks/{subscription_id}",
        404,
        path={"subscription_id": 99999},
        headers=ADMIN,
    )
    c(own, "DELETE", "/pickbay/v1/webhooks/{subscription_id}", 204, path=one, headers=ADMIN)
    order = {
        "orderNumber": "DOC-OWN",
        "articles": [{"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 1}],
    }
    c(PC, "POST", "/api/v2/orders", 200, json=order, headers=KEY)
    board = c(own, "GET", "/pickbay/v1/orders", 200, headers=ADMIN).json()
    c(own, "GET", "/pickbay/v1/orders", 200, params={"id": board["orders"][0]["id"]}, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/orders/facets", 200, headers=ADMIN)
    detail = {"order_id": board["orders"][0]["id"]}
    c(own, "GET", "/pickbay/v1/orders/{order_id}", 200, path=detail, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/events", 200, headers=ADMIN)
    c(own, "GET", "/pickbay/v1/events", 401)
    label = "/pickbay/v1/labels/{symbology}.{fmt}"
    c(
        own,
        "GET",
        label,
        200,
        path={"symbology": "qr", "fmt": "png"},
        params={"text": "A"},
        headers=ADMIN,
    )
    c(
        own,
        "GET",
        label,
        200,
        path={"symbology": "datamatrix", "fmt": "svg"},
        params={"text": "A"},
        headers=ADMIN,
    )


def _examples() -> list[tuple[str, str, str, Any]]:
    found = []
    for api, doc in DOCUMENTS.items():
        for path, item in doc["paths"].items():
            for method, operation in item.items():
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    for example in media.get("examples", {}).values():
                        found.append((api, method, path, example["value"]))
    return found


def test_each_vendors_create_carries_the_vendors_example() -> None:
    documented = {(api, path) for api, _, path, _ in _examples()}
    assert {
        ("pickup-cloud", "/api/v2/orders"),
        ("pickup-cloud", "/api/v2/recurrentorders"),
        ("itempath", "/api/orders"),
        ("greymatter", "/api-gateway/sr-service/platform-srms/service-request"),
    } <= documented


def test_the_examples_fit_their_schemas_and_are_taken(conform: Conformance) -> None:
    tokens = conform.call(
        "itempath", "POST", "/api/users/login", 200, json={"username": "admin", "password": "admin"}
    ).json()
    auth = {
        "pickup-cloud": KEY,
        "itempath": {"Authorization": "Bearer " + tokens["accessToken"]},
        "greymatter": ADMIN,
        "pickbay": ADMIN,
    }
    for api, method, path, value in _examples():
        doc = DOCUMENTS[api]
        media = doc["paths"][path][method]["requestBody"]["content"]["application/json"]
        schema = {**media["schema"], "components": doc["components"]}
        assert jsonschema_rs.validator_for(schema).is_valid(value), (api, path)
        conform.call(api, method.upper(), path, 200, json=value, headers=auth[api])
