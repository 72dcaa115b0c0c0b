"""The API docs as served: each document on its own URL, and /docs with no network."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, Route

from pickbay.testing import Pickbay
from tests.http.test_openapi import DOCUMENTS


def test_the_combined_document_holds_every_api(pickbay: Pickbay) -> None:
    combined = httpx.get(pickbay.url + "/openapi.json").json()
    for api, doc in DOCUMENTS.items():
        served = httpx.get(f"{pickbay.url}/openapi/{api}.json")
        assert served.status_code == 200
        assert served.json()["paths"].keys() == doc["paths"].keys()
        assert doc["paths"].keys() <= combined["paths"].keys()
    missing = httpx.get(pickbay.url + "/openapi/nothing.json")
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == 404


def test_docs_render_every_apis_operations_with_the_network_blocked(
    browser: Browser, pickbay: Pickbay
) -> None:
    here = urlsplit(pickbay.url).netloc
    outside: list[str] = []

    def only_here(route: Route) -> None:
        if urlsplit(route.request.url).netloc == here:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", only_here)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(pickbay.url + "/docs")
        for api, doc in DOCUMENTS.items():
            section = page.locator(f"#ui-{api}")
            section.locator(".opblock").first.wait_for(timeout=15_000)
            shown = section.locator(".opblock-summary-path").all_inner_texts()
            shown = [text.replace("\u200b", "") for text in shown]
            for path, item in doc["paths"].items():
                assert shown.count(path) == len(item), (api, path)
    finally:
        context.close()
    assert outside == []
    assert errors == []
