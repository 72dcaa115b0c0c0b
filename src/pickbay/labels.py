"""Scannable labels: the pickup code as QR, the storage code as DataMatrix, in PNG and SVG."""

from __future__ import annotations

import struct
import zlib
from enum import StrEnum

import segno
from ppf.datamatrix import DataMatrix

Matrix = list[list[bool]]


class Symbology(StrEnum):
    """The kinds of code pickbay draws."""

    QR = "qr"
    DATAMATRIX = "datamatrix"


# Quiet zones each symbology's standard asks for, in modules.
_QUIET = {Symbology.QR: 4, Symbology.DATAMATRIX: 1}


def matrix(symbology: Symbology, text: str) -> Matrix:
    """The dark/light modules encoding `text`."""
    if symbology is Symbology.QR:
        code = segno.make_qr(text, error="m")
        return [[bool(v) for v in row] for row in code.matrix]
    for at, char in enumerate(text):
        if not char.isascii():
            raise ValueError(
                f"DataMatrix labels hold ASCII text only; {char!r} (U+{ord(char):04X}) at"
                f" position {at} is not ASCII"
            )
    return [[bool(v) for v in row] for row in DataMatrix(text).matrix]


def _padded(symbology: Symbology, text: str) -> Matrix:
    m = matrix(symbology, text)
    q = _QUIET[symbology]
    width = len(m[0]) + 2 * q
    blank = [False] * width
    return [blank] * q + [[False] * q + row + [False] * q for row in m] + [blank] * q


def png(symbology: Symbology, text: str, scale: int = 8) -> bytes:
    """A black-on-white 1-bit PNG of the code."""
    m = _padded(symbology, text)
    width = len(m[0]) * scale
    raw = bytearray()
    for row in m:
        bits = "".join(("0" if dark else "1") * scale for dark in row)
        bits += "0" * (-len(bits) % 8)
        line = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")
        raw += line * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, len(m) * scale, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def svg(symbology: Symbology, text: str, scale: int = 8) -> str:
    """An SVG of the code, one path of unit squares scaled by `scale`."""
    m = _padded(symbology, text)
    h, w = len(m), len(m[0])
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(m) for x, dark in enumerate(row) if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * scale}" height="{h * scale}" '
        f'viewBox="0 0 {w} {h}" shape-rendering="crispEdges">'
        f'<rect width="{w}" height="{h}" fill="#fff"/><path fill="#000" d="{path}"/></svg>'
    )


class ImageFormat(StrEnum):
    """The image formats pickbay serves."""

    PNG = "png"
    SVG = "svg"
