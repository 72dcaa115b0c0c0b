"""Users who log in (ItemPath), and secrets every process shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.store.tables import secrets, users


async def password_hash(conn: AsyncConnection, username: str, table: Table = users) -> str | None:
    """The stored password hash of a user (of `table`: each system has its own users), or
    None if there is no such user."""
    query = select(table.c.password_hash).where(table.c.username == username)
    found: str | None = (await conn.execute(query)).scalar()
    return found


async def save_user(
    conn: AsyncConnection,
    username: str,
    hashed: str,
    now: datetime,
    *,
    replace: bool,
    table: Table = users,
) -> bool:
    """Add a user (or, with `replace`, set an existing one's password); False if it exists."""
    if await password_hash(conn, username, table) is not None:
        if not replace:
            return False
        await conn.execute(
            update(table).where(table.c.username == username).values(password_hash=hashed)
        )
        return True
    await conn.execute(
        insert(table).values(username=username, password_hash=hashed, created_at=now)
    )
    return True


async def secret(conn: AsyncConnection, name: str, make: str) -> str:
    """The shared secret `name`; stores `make` first if no process has made one yet."""
    query = select(secrets.c.value).where(secrets.c.name == name)
    found: str | None = (await conn.execute(query)).scalar()
    if found is not None:
        return found
    try:
        async with conn.begin_nested():
            await conn.execute(insert(secrets).values(name=name, value=make))
    except IntegrityError:
        # Another process stored its own at the same moment; everyone uses that one.
        again: str | None = (await conn.execute(query)).scalar()
        assert again is not None
        return again
    return make
