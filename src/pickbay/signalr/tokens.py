"""Connection tokens that any process of a deployment can verify.

ASP.NET Core keeps a negotiated connection in the server that negotiated it, so the
negotiate and the WebSocket that follows must reach the same server (sticky sessions). A
sealed token carries what the connection needs (its id, its user, whether it may reconnect
statefully, when it was issued) under an HMAC of a key every process shares: a WebSocket
that brings it to another process opens the connection there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

SIGNATURE_BYTES = 24
CLOCK_SKEW_SECONDS = 5.0  # a token issued this far in the future is still taken


@dataclass(frozen=True)
class Sealed:
    """What a sealed token says about its connection."""

    connection_id: str
    user: Any
    stateful: bool


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """Seals and opens connection tokens with a shared key; tokens live `lifetime` seconds."""

    def __init__(self, key: bytes, wall: Callable[[], float], lifetime: float) -> None:
        self._key = key
        self._wall = wall
        self.lifetime = lifetime

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return _b64(digest[:SIGNATURE_BYTES])

    def seal(self, connection_id: str, user: Any, *, stateful: bool) -> str | None:
        """A token for the connection (None if its user cannot be written as JSON)."""
        try:
            payload = orjson.dumps(
                {
                    "i": connection_id,
                    "u": user,
                    "s": stateful,
                    "t": round(self._wall(), 3),
                    "n": secrets.token_urlsafe(12),
                }
            )
        except TypeError:
            return None
        body = _b64(payload)
        return f"{body}.{self._sign(body)}"

    def open(self, token: str, *, fresh: bool = True) -> Sealed | None:
        """What `token` says, if this key sealed it and (if `fresh`) it has not expired."""
        body, dot, signature = token.partition(".")
        if not dot or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = orjson.loads(_unb64(body))
            issued = float(payload["t"])
            found = Sealed(str(payload["i"]), payload["u"], bool(payload["s"]))
        except (ValueError, KeyError, TypeError):
            return None
        age = self._wall() - issued
        if (fresh and age > self.lifetime) or age < -CLOCK_SKEW_SECONDS:
            return None
        return found
