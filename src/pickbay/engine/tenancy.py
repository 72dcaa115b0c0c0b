"""Tenants and API keys: who is calling, and new keys for new integrators."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from pickbay.core.errors import Unauthorized
from pickbay.engine.clock import ClockService
from pickbay.store import tenants as tenant_store
from pickbay.store.db import Database
from pickbay.store.tables import NAME_MAX


def tenant_name(value: str) -> str:
    """`value` if it may name a tenant: 1 to 100 characters, trimmed, on one line."""
    # Origin scopes are `<tenant>\n<origin>`: a tenant's name must never hold a line break.
    if not 1 <= len(value) <= NAME_MAX or value != value.strip() or "\n" in value:
        raise ValueError(
            f"A tenant's name is 1 to {NAME_MAX} characters on one line,"
            " without white space at either end."
        )
    return value


def origin_name(value: str) -> str:
    """`value` if it may name an origin: 1 to 100 characters."""
    if not 1 <= len(value) <= NAME_MAX:
        raise ValueError(f"An origin is 1 to {NAME_MAX} characters.")
    return value


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a key speaks for: its tenant, and the API client (origin) inside it, if any."""

    tenant: str
    origin: str | None = None


class Tenancy:
    """Resolves API keys to tenants (cached: keys are never reassigned)."""

    def __init__(self, db: Database, clock: ClockService) -> None:
        self.db = db
        self.clock = clock
        self._known: dict[str, Caller] = {}

    async def caller(self, key: str | None) -> Caller:
        """The tenant and origin of `key`, or Unauthorized."""
        if not key:
            raise Unauthorized("The x-api-key header is missing.")
        if "\x00" in key:  # no key holds one, and PostgreSQL could not even look it up
            raise Unauthorized("The API key is not valid.")
        caller = self._known.get(key)
        if caller is None:
            async with self.db.transaction() as conn:
                found = await tenant_store.caller_for_key(conn, key)
            if found is None:
                raise Unauthorized("The API key is not valid.")
            caller = self._known[key] = Caller(*found)
        return caller

    async def authenticate(self, key: str | None) -> str:
        """The tenant of `key`, or Unauthorized."""
        return (await self.caller(key)).tenant

    async def add_key(self, tenant: str, key: str, origin: str | None = None) -> bool:
        """Give `tenant` the key `key` (the tenant is created if new); False if it exists."""
        tenant_name(tenant)
        if origin is not None:
            origin_name(origin)
        async with self.db.transaction() as conn:
            tenant_id = await tenant_store.ensure_tenant(conn, tenant, self.clock.now())
            return await tenant_store.add_key(conn, tenant_id, key, self.clock.now(), origin)

    async def create_key(self, tenant: str, origin: str | None = None) -> str:
        """A new random key for `tenant`, speaking as `origin` inside it if given."""
        key = "pk_" + secrets.token_urlsafe(24)
        await self.add_key(tenant, key, origin)
        return key
