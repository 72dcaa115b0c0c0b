"""The simulated pickup robot: the pack details it reports on input and on output."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from random import Random
from typing import Any

from pickbay.vendors.pickup_cloud.model import Article, Pack, PickupOrder

EXPIRY_SOURCES = (
    "Unknown",
    "AutoCalculated",
    "ManualEntry",
    "ITSystem",
    "OCR",
    "Barcode",
    "Infeed",
)
SHAPES = ("Cuboid", "Cylinder")


def _rng(*parts: object) -> Random:
    seed = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return Random(int.from_bytes(seed[:8], "big"))


def internal_id(order: PickupOrder, article: Article, n: int) -> int:
    """The robot's id for pack n of an article: unique per order, article, iteration and pack."""
    index = order.articles.index(article)
    return ((order.row_id or 0) * 100 + index) * 100_000 + article.iteration * 1000 + n + 1


def simulated_pack(order: PickupOrder, article: Article, n: int, now: datetime) -> Pack:
    """Plausible, reproducible details for pack n of an article, as a robot reports on input."""
    rng = _rng(order.storage_code, article.scan_code, article.iteration, n)
    cylinder = rng.random() < 0.2
    return {
        "internalId": internal_id(order, article, n),
        "deliveryNumber": f"DN-{rng.randrange(10**6, 10**7)}",
        "batchNumber": f"B{rng.randrange(10**5, 10**6)}",
        "externalId": f"EXT-{rng.randrange(10**8, 10**9)}",
        "serialNumber": f"{rng.getrandbits(48):012X}",
        "expiryDate": (now + timedelta(days=rng.randrange(180, 900))).date().isoformat(),
        "expiryDateSource": "Barcode",
        "scanCode": article.scan_code,
        "subItemQuantity": 0,
        "depth": rng.randrange(20, 120),
        "width": rng.randrange(20, 120),
        "height": rng.randrange(10, 80),
        "shape": "Cylinder" if cylinder else "Cuboid",
        "isInFridge": rng.random() < 0.1,
        "boxNumber": None,
        "outputDestination": None,
        "outputPoint": None,
        "labelStatus": "NotLabelled",
        "stockLocationId": "1",
        "machineLocation": "1",
    }


def completed_pack(
    order: PickupOrder, article: Article, n: int, given: dict[str, Any], now: datetime
) -> Pack:
    """Pack details an operator typed, completed with what the robot measures itself."""
    pack = simulated_pack(order, article, n, now)
    pack.update({k: v for k, v in given.items() if v is not None})
    pack["internalId"] = internal_id(order, article, n)
    return pack


def output_details(pack: Pack) -> Pack:
    """Where the robot put a pack when the customer picked it up."""
    return {"outputDestination": 1, "outputPoint": 1, "boxNumber": None}
