"""Managing webhook subscriptions and looking into (and repeating) their deliveries."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from pickbay.core.errors import InvalidInput, NotFound
from pickbay.core.patterns import NOT_SPACE, SPACE, any_case
from pickbay.engine.clock import ClockService
from pickbay.store import webhooks as store
from pickbay.store.db import Database

STATES = (store.PENDING, store.DELIVERED, store.DROPPED)


# An absolute http(s) URL with a host name or IPv4 address (and perhaps credentials and a
# port), and no white space; the API document states the same pattern.
URL_PATTERN = (
    f"^{any_case('http')}[sS]?://(?:[^/?#@\\[\\]{SPACE[1:-1]}]+@)?[A-Za-z0-9][A-Za-z0-9.-]*"
    f"(?::[0-9]{{1,5}})?(?:[/?#]{NOT_SPACE}*)?$"
)
_URL = re.compile(URL_PATTERN)


def check_url(url: str) -> str:
    """An absolute http(s) URL, or InvalidInput."""
    if len(url) > 2000 or not _URL.fullmatch(url):
        raise InvalidInput({"url": ["The url must be an absolute http:// or https:// URL."]})
    return url


class Webhooks:
    """Subscriptions and their delivery log."""

    def __init__(
        self,
        db: Database,
        clock: ClockService,
        dialects: Callable[[], set[str]],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.dialects = dialects  # those that send notifications
        self.wake = wake

    async def subscribe(self, url: str, secret: str | None, dialect: str | None) -> dict[str, Any]:
        """Add a subscription; a secret is made if none is given (returned once, here).

        Without a dialect it is for the one dialect that sends notifications.
        """
        check_url(url)
        if dialect is None and len(self.dialects()) == 1:
            (dialect,) = self.dialects()
        if dialect is None or dialect not in self.dialects():
            known = ", ".join(sorted(self.dialects()))
            given = "Name the dialect" if dialect is None else f"'{dialect}' sends no notifications"
            raise InvalidInput({"dialect": [f"{given}; use {known}."]})
        if secret is not None and not 1 <= len(secret) <= 200:
            raise InvalidInput({"secret": ["The secret must be 1 to 200 characters."]})
        async with self.db.transaction() as conn:
            return await store.add_subscription(
                conn, url, secret or secrets.token_urlsafe(24), dialect, self.clock.now()
            )

    async def all(self) -> list[dict[str, Any]]:
        """Every active subscription."""
        async with self.db.read() as conn:
            return await store.subscriptions(conn)

    async def get(self, subscription_id: int) -> dict[str, Any]:
        """One subscription; NotFound if it does not exist (or was deleted)."""
        async with self.db.read() as conn:
            found = await store.subscription(conn, subscription_id)
        if found is None:
            raise NotFound(f"No webhook subscription {subscription_id}.")
        return found

    async def unsubscribe(self, subscription_id: int) -> None:
        """End a subscription; what it had not delivered yet is dropped."""
        async with self.db.transaction() as conn:
            if not await store.deactivate(conn, subscription_id):
                raise NotFound(f"No webhook subscription {subscription_id}.")

    async def deliveries(
        self, subscription_id: int, *, state: str | None, before: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """A subscription's deliveries, newest first."""
        if state is not None and state not in STATES:
            raise InvalidInput({"state": [f"The state must be one of {', '.join(STATES)}."]})
        await self.get(subscription_id)
        async with self.db.read() as conn:
            return await store.deliveries(
                conn, subscription_id, state=state, before=before, limit=limit
            )

    async def delivery(self, subscription_id: int, delivery_id: int) -> dict[str, Any]:
        """One delivery with every attempt made."""
        async with self.db.read() as conn:
            found = await store.delivery(conn, subscription_id, delivery_id)
        if found is None:
            raise NotFound(f"No delivery {delivery_id} for webhook {subscription_id}.")
        return found

    async def redeliver(self, subscription_id: int, delivery_id: int) -> dict[str, Any]:
        """Send a delivery again now (as a new delivery with the same notification)."""
        await self.get(subscription_id)
        async with self.db.transaction() as conn:
            original = await store.delivery(conn, subscription_id, delivery_id)
            if original is None:
                raise NotFound(f"No delivery {delivery_id} for webhook {subscription_id}.")
            new_id = await store.redeliver(conn, original, self.clock.now())
            copy = await store.delivery(conn, subscription_id, new_id)
        assert copy is not None
        self.wake()
        return copy
