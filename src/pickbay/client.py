"""A small blocking HTTP client for a running pickbay: its own API and the vendors' APIs.

One kept-alive connection, JSON in and out; the scenario runner and the vendors' sign-ins
(`Vendor.sign_in`) speak to a server through it as any outside client would.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 120.0  # a long fast-forward answers only when it is done
OWN_API = "/pickbay/v1"


class ApiError(Exception):
    """pickbay answered a call with an error status."""

    def __init__(self, method: str, path: str, answer: Answer) -> None:
        super().__init__(f"{method} {path}: {answer.status} {answer.text[:500]}")
        self.answer = answer


@dataclass(frozen=True)
class Answer:
    """What the server answered: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.raw.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body read as JSON (None when empty or not JSON)."""
        if not self.raw:
            return None
        try:
            return json.loads(self.raw)
        except ValueError:
            return None


class Client:
    """Calls one pickbay server (`url`, e.g. http://127.0.0.1:8000) over one connection."""

    def __init__(self, url: str, admin_token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Send one request (`body` as JSON, or `form` urlencoded) and read the whole answer."""
        sent = dict(headers or {})
        data: bytes | None = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        while True:
            reused = self._conn is not None
            conn = self._connection()
            try:
                conn.request(method, self._base + path, body=data, headers=sent)
                resp = conn.getresponse()
                raw = resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if reused:  # the server closed it while idle, before reading: send it again
                    continue
                raise
            if resp.will_close:
                self.close()
            return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw)

    def ok(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one request that must succeed: its JSON answer, or ApiError for an error
        status."""
        answer = self.call(method, path, body=body, form=form, headers=headers)
        if answer.status >= 400:
            raise ApiError(method, path, answer)
        return answer.json()

    def own(self, method: str, path: str, body: Any = None) -> Any:
        """Call pickbay's own API (`path` below /pickbay/v1) as admin; its JSON answer, or
        ApiError for an error status."""
        admin = {"Authorization": f"Bearer {self.admin_token}"}
        return self.ok(method, OWN_API + path, body=body, headers=admin)

    def close(self) -> None:
        """Close the connection (the next call opens another)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self._timeout)
        return self._conn
