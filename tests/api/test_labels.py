import io
import re

import httpx
import numpy as np
import pytest
import zxingcpp
from PIL import Image

CODE = "customer_F49F00733BE344C993ADBB2A1D48C766"


def decode_svg(svg: str) -> str:
    """Rasterize pickbay's SVG (unit squares on a viewBox) and decode it."""
    w, h = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())  # type: ignore[union-attr]
    grid = np.full((h, w), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", svg):
        grid[int(y), int(x)] = 0
    big = np.kron(grid, np.ones((8, 8), dtype=np.uint8))
    results = zxingcpp.read_barcodes(big)
    assert results, "nothing decoded"
    return str(results[0].text)


@pytest.mark.parametrize(("symbology", "fmt"), [("qr", "QRCode"), ("datamatrix", "DataMatrix")])
async def test_png_decodes_to_the_code(
    client: httpx.AsyncClient, admin: dict[str, str], symbology: str, fmt: str
) -> None:
    r = await client.get(
        f"/pickbay/v1/labels/{symbology}.png", params={"text": CODE}, headers=admin
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    results = zxingcpp.read_barcodes(image)
    assert [(res.text, res.format.name) for res in results] == [(CODE, fmt)]


@pytest.mark.parametrize("symbology", ["qr", "datamatrix"])
async def test_svg_decodes_to_the_code(
    client: httpx.AsyncClient, admin: dict[str, str], symbology: str
) -> None:
    r = await client.get(
        f"/pickbay/v1/labels/{symbology}.svg", params={"text": CODE}, headers=admin
    )
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert decode_svg(r.text) == CODE


@pytest.mark.parametrize(
    "path",
    [
        "/pickbay/v1/labels/ean.png?text=1",
        "/pickbay/v1/labels/qr.gif?text=1",
        "/pickbay/v1/labels/qr.png",
        "/pickbay/v1/labels/qr.png?text=a&scale=0",
    ],
)
async def test_bad_label_requests(
    client: httpx.AsyncClient, admin: dict[str, str], path: str
) -> None:
    r = await client.get(path, headers=admin)
    assert r.status_code in (400, 404)
    assert "error" in r.json()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("%F0%B8%84%BA", "(U+3813A) at position 0 is not ASCII"),
        ("pickup_%C3%A9", "'é' (U+00E9) at position 7 is not ASCII"),
    ],
)
async def test_text_a_datamatrix_cannot_hold_is_named(
    client: httpx.AsyncClient, admin: dict[str, str], text: str, says: str
) -> None:
    for fmt in ("png", "svg"):
        r = await client.get(f"/pickbay/v1/labels/datamatrix.{fmt}?text={text}", headers=admin)
        assert r.status_code == 400
        (message,) = r.json()["error"]["errors"]["text"]
        assert says in message
        assert "min()" not in message
    qr = await client.get(f"/pickbay/v1/labels/qr.png?text={text}", headers=admin)
    assert qr.status_code == 200  # QR codes hold any text (as UTF-8)
