"""Draw the console screenshots in docs/: a sandbox with a few orders, seen in Chromium.

.venv/bin/python docs/screenshots.py    # needs Debian's chromium (/usr/bin/chromium)
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from pickbay import testing

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("PICKBAY_TEST_CHROMIUM", "/usr/bin/chromium")
GREYMATTER = "/api-gateway/sr-service/platform-srms/service-request"


def post(pb: testing.Pickbay, path: str, body: Any, headers: dict[str, str]) -> Any:
    req = urllib.request.Request(
        pb.url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def sandbox(pb: testing.Pickbay) -> None:
    """Orders of every dialect in several states."""
    key = {"x-api-key": pb.api_key}
    for n, script in enumerate(["$pickup-010-030", "$input-020", "", "$cancel-040-045"]):
        post(
            pb,
            "/api/v2/orders",
            {
                "orderNumber": f"RX-{1001 + n}",
                "relatedNotes": script or None,
                "articles": [
                    {
                        "scanCode": "5948912001188",
                        "name": "Aspirin 500mg x 8",
                        "quantityOrdered": 2,
                    },
                    {"scanCode": "4150122410013", "name": "Ibuprofen 400mg", "quantityOrdered": 1},
                ],
            },
            key,
        )
    user, password = pb.itempath_user
    token = post(pb, "/api/users/login", {"username": user, "password": password}, {})
    lift = {"Authorization": f"Bearer {token['accessToken']}"}
    for n, direction in enumerate(["Pick", "Put"]):
        post(
            pb,
            "/api/orders",
            {
                "name": f"LIFT-{n + 1}",
                "directionType": direction,
                "allocate": True,
                "order_lines": [
                    {"materialName": "S101", "quantity": 2},
                    {"materialName": "S102", "quantity": 1},
                ],
            },
            lift,
        )
    floor = {"Authorization": f"Bearer {pb.greymatter_token}"}
    for n, sku in enumerate(["MM00001", "MM00002"]):
        post(
            pb,
            GREYMATTER,
            {
                "externalServiceRequestId": f"SR-{n + 1}",
                "type": "PICK",
                "serviceRequests": [
                    {
                        "externalServiceRequestId": f"SR-{n + 1}-L1",
                        "type": "PICK_LINE",
                        "expectations": {
                            "containers": [
                                {
                                    "products": [
                                        {
                                            "productQuantity": 3,
                                            "productAttributes": {
                                                "filter_parameters": [f"product_sku = '{sku}'"]
                                            },
                                        }
                                    ]
                                }
                            ]
                        },
                    }
                ],
            },
            floor,
        )
    pb.advance(16)
    pb.request("POST", "/faults", {"vendor": "itempath", "offline": True, "seconds": 900})


def main() -> None:
    """Start a sandbox, fill it, and take the pictures."""
    with tempfile.TemporaryDirectory() as tmp:
        pb = testing.start(testing.settings(f"sqlite+aiosqlite:///{tmp}/pickbay.db"))
        try:
            sandbox(pb)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 760})
                page.goto(pb.console_url)
                page.fill("#signin-token", pb.admin_token)
                page.click("#signin-form button[type=submit]")
                page.wait_for_selector("body[data-ready=true]")
                page.wait_for_selector("tr[data-order]")
                page.screenshot(path=HERE / "console-board.png")
                page.click("td.number:text('RX-1001')")
                page.wait_for_selector("[data-testid=history] tr[data-seq]")
                page.wait_for_function(
                    "[...document.querySelectorAll('img[data-label]')].every(i => i.naturalWidth)"
                )
                page.screenshot(path=HERE / "console-order.png", full_page=True)
                page.goto(pb.console_url + "#/machines")
                page.wait_for_selector(".stock tbody tr")
                page.screenshot(path=HERE / "console-machines.png", full_page=True)
                browser.close()
        finally:
            testing.stop(pb)


if __name__ == "__main__":
    main()
