"""Users, passwords and signed tokens (ItemPath's login): access, refresh and application."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import Table

from pickbay.core.errors import NotFound, Unauthorized, Unprocessable
from pickbay.engine.clock import ClockService
from pickbay.store import users as user_store
from pickbay.store.db import Database
from pickbay.store.tables import users

ACCESS_LIFETIME = timedelta(minutes=15)
REFRESH_LIFETIME = timedelta(days=30)
ACCESS, REFRESH, APPLICATION = "access", "refresh", "application"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """A salted scrypt hash, stored instead of the password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches a stored hash (constant-time comparison)."""
    _scheme, salt, digest = stored.split("$")
    given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(given.hex(), digest)


async def shared_key(db: Database, name: str) -> str:
    """The secret `name` every process of the deployment shares (made on first use)."""
    async with db.transaction() as conn:
        return await user_store.secret(conn, name, secrets.token_hex(32))


class Users:
    """Usernames with salted password hashes in `table` (each system has users of its own)."""

    def __init__(self, db: Database, clock: ClockService, table: Table = users) -> None:
        self.db = db
        self.clock = clock
        self.table = table

    async def add(self, username: str, password: str, *, replace: bool) -> bool:
        """Add a user (with `replace`, reset an existing one's password); False if it exists."""
        if not replace and await self.exists(username):
            return False
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.db.transaction() as conn:
            return await user_store.save_user(
                conn, username, hashed, self.clock.now(), replace=replace, table=self.table
            )

    async def exists(self, username: str) -> bool:
        """Whether there is such a user."""
        async with self.db.read() as conn:
            return await user_store.password_hash(conn, username, self.table) is not None

    async def check(self, username: str, password: str) -> bool:
        """Whether the user exists and `password` is theirs."""
        async with self.db.read() as conn:
            stored = await user_store.password_hash(conn, username, self.table)
        return stored is not None and await asyncio.to_thread(check_password, password, stored)


@dataclass(frozen=True)
class Tokens:
    """What a successful login returns."""

    access: str
    refresh: str


class Accounts:
    """Logs users in and checks their tokens; token times follow pickbay's clock."""

    def __init__(self, db: Database, clock: ClockService) -> None:
        self.db = db
        self.clock = clock
        self.users = Users(db, clock)
        self._key = ""

    async def start(self) -> None:
        """Load (or make) the signing key every process shares."""
        self._key = await shared_key(self.db, "jwt")

    async def add_user(self, username: str, password: str, *, replace: bool) -> bool:
        """Add a user (with `replace`, reset an existing one's password); False if it exists."""
        return await self.users.add(username, password, replace=replace)

    async def login(self, username: str, password: str) -> Tokens:
        """Tokens for a user whose password matches; NotFound otherwise (as the vendor does)."""
        if not await self.users.check(username, password):
            raise NotFound("Incorrect username or password.", field="login")
        return Tokens(self._issue(username, ACCESS), self._issue(username, REFRESH))

    def refresh(self, token: str | None) -> str:
        """A new access token for the holder of a valid refresh token."""
        return self._issue(self.verify(token, REFRESH), ACCESS)

    async def require_user(self, username: str) -> None:
        """NotFound unless the user exists."""
        if not await self.users.exists(username):
            raise NotFound(f"No user '{username}'.")

    def application_token(self, username: str) -> str:
        """A token that never expires, for software connections."""
        return self._issue(username, APPLICATION)

    def verify(self, token: str | None, kind: str = ACCESS) -> str:
        """The user a token speaks for; Unauthorized or Unprocessable as the vendor answers."""
        if not token:
            raise Unauthorized("Missing Authorization Header")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidSignatureError:
            raise Unprocessable("Signature verification failed") from None
        except jwt.InvalidTokenError:
            raise Unprocessable("Invalid token") from None
        found = claims.get("type")
        if kind == REFRESH and found != REFRESH:
            raise Unprocessable("Only refresh tokens are allowed")
        if kind != REFRESH and found not in (ACCESS, APPLICATION):
            raise Unprocessable("Only non-refresh tokens are allowed")
        expires = claims.get("exp")
        if expires is not None and self.clock.now().timestamp() >= float(expires):
            raise Unauthorized("Token has expired")
        return str(claims.get("sub", ""))

    def _issue(self, username: str, kind: str) -> str:
        now = self.clock.now()
        claims: dict[str, Any] = {
            "sub": username,
            "type": kind,
            "iat": int(now.timestamp()),
            "jti": str(uuid.uuid4()),
        }
        if kind == ACCESS:
            claims["exp"] = int((now + ACCESS_LIFETIME).timestamp())
        elif kind == REFRESH:
            claims["exp"] = int((now + REFRESH_LIFETIME).timestamp())
        return jwt.encode(claims, self._key, algorithm="HS256")
