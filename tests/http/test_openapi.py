"""The OpenAPI documents: one per API, each whole on its own, every error in its API's body."""

from __future__ import annotations

from typing import Any

import pytest

from pickbay import testing
from pickbay.app import create_app

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
