"""Tenants and their API keys (stored as SHA-256 hashes, never in clear)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.store.tables import api_keys, tenants


def hash_key(key: str) -> str:
    """The stored form of an API key."""
    return hashlib.sha256(key.encode()).hexdigest()


async def ensure_tenant(conn: AsyncConnection, name: str, now: datetime) -> int:
    """The id of tenant `name`, created if it does not exist."""
    found = (await conn.execute(select(tenants.c.id).where(tenants.c.name == name))).scalar()
    if found is not None:
        return int(found)
    result = await conn.execute(
        insert(tenants).values(name=name, created_at=now).returning(tenants.c.id)
    )
    return int(result.scalar_one())


async def add_key(
    conn: AsyncConnection, tenant_id: int, key: str, now: datetime, origin: str | None = None
) -> bool:
    """Store a key for a tenant (speaking as `origin` inside it); False if it already exists."""
    digest = hash_key(key)
    exists = (
        await conn.execute(select(api_keys.c.id).where(api_keys.c.key_hash == digest))
    ).scalar()
    if exists is not None:
        return False
    await conn.execute(
        insert(api_keys).values(tenant_id=tenant_id, key_hash=digest, created_at=now, origin=origin)
    )
    return True


async def caller_for_key(conn: AsyncConnection, key: str) -> tuple[str, str | None] | None:
    """The tenant name a key belongs to and the origin it speaks as, or None if unknown."""
    row = (
        await conn.execute(
            select(tenants.c.name, api_keys.c.origin)
            .join(api_keys, api_keys.c.tenant_id == tenants.c.id)
            .where(api_keys.c.key_hash == hash_key(key))
        )
    ).first()
    return None if row is None else (row.name, row.origin)


async def names(conn: AsyncConnection) -> list[str]:
    """Every tenant's name, sorted."""
    return list((await conn.execute(select(tenants.c.name).order_by(tenants.c.name))).scalars())
