"""Label images: any code as QR or DataMatrix, PNG or SVG."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from pickbay import labels
from pickbay.api.common import PREFIX, Admin
from pickbay.core.errors import InvalidInput

router = APIRouter(prefix=PREFIX + "/labels", tags=["Labels"], dependencies=[Admin])


@router.get(
    "/{symbology}.{fmt}",
    summary="Draw a code",
    response_class=Response,
    responses={
        200: {
            "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string"}},
            }
        }
    },
)
async def label(
    symbology: labels.Symbology,
    fmt: labels.ImageFormat,
    text: Annotated[str, Query(min_length=1, max_length=500, description="what to encode")],
    scale: Annotated[int, Query(ge=1, le=40, description="pixels per module")] = 8,
) -> Response:
    """`qr` for pickup codes, `datamatrix` for storage codes; `png` or `svg`."""
    try:
        if fmt is labels.ImageFormat.PNG:
            return Response(labels.png(symbology, text, scale), media_type="image/png")
        return Response(labels.svg(symbology, text, scale), media_type="image/svg+xml")
    except (ValueError, IndexError) as exc:
        raise InvalidInput({"text": [f"cannot be encoded as {symbology.value}: {exc}"]}) from None
