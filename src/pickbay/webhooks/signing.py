"""The signature a receiver checks to know a notification came from this pickbay."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Pickbay-Signature"


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the body with the subscription's secret>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` (compared in constant time)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)
