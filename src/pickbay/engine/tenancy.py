"""Tenants and API keys: who is calling, and new keys for new integrators."""

from __future__ import annotations

import secrets

from pickbay.core.errors import Unauthorized
from pickbay.engine.clock import ClockService
from pickbay.store import tenants as tenant_store
from pickbay.store.db import Database


class Tenancy:
    """Resolves API keys to tenants (cached: keys are never reassigned)."""

    def __init__(self, db: Database, clock: ClockService) -> None:
        self.db = db
        self.clock = clock
        self._known: dict[str, str] = {}

    async def authenticate(self, key: str | None) -> str:
        """The tenant of `key`, or Unauthorized."""
        if not key:
            raise Unauthorized("The x-api-key header is missing.")
        if "\x00" in key:  # no key holds one, and PostgreSQL could not even look it up
            raise Unauthorized("The API key is not valid.")
        tenant = self._known.get(key)
        if tenant is None:
            async with self.db.transaction() as conn:
                tenant = await tenant_store.tenant_for_key(conn, key)
            if tenant is None:
                raise Unauthorized("The API key is not valid.")
            self._known[key] = tenant
        return tenant

    async def add_key(self, tenant: str, key: str) -> bool:
        """Give `tenant` the key `key` (the tenant is created if new); False if it exists."""
        async with self.db.transaction() as conn:
            tenant_id = await tenant_store.ensure_tenant(conn, tenant, self.clock.now())
            return await tenant_store.add_key(conn, tenant_id, key, self.clock.now())

    async def create_key(self, tenant: str) -> str:
        """A new random key for `tenant`."""
        key = "pk_" + secrets.token_urlsafe(24)
        await self.add_key(tenant, key)
        return key
