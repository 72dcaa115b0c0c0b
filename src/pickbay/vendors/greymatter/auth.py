"""GreyMatter's users and OAuth tokens: a pre-shared username and password buys an access token
that lasts `lifetime` seconds of the sandbox clock; the static sandbox token works as well.

The platform's reference ("Authentication", docs.butler.greyorange.com/greymatter/v10.1.0/
api/auth.html) shows the token endpoint, the fixed client header and the answer's
`access_token` and `expires_in`; the token's contents are pickbay's (a JWT signed with a key
the deployment shares, as the reference's example token is a JWT).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from pickbay.core.errors import Unauthorized
from pickbay.engine.accounts import Users, shared_key
from pickbay.engine.clock import ClockService
from pickbay.http.common import same_secret
from pickbay.store.db import Database
from pickbay.vendors.greymatter.tables import greymatter_users

CLIENT_ID = "butler"  # the client of the fixed Basic header, butler:butler


@dataclass(frozen=True)
class Token:
    """What the token endpoint answers."""

    access_token: str
    expires_in: int
    jti: str


class GreyMatterAuth:
    """Checks bearer tokens; adds users; issues tokens on the sandbox clock."""

    def __init__(
        self, db: Database, clock: ClockService, *, static_token: str, lifetime: int
    ) -> None:
        self.db = db
        self.clock = clock
        self.static_token = static_token
        self.lifetime = lifetime
        self.users = Users(db, clock, greymatter_users)
        self._key = ""

    async def start(self, admin_password: str) -> None:
        """Load (or make) the signing key every process shares; add user `admin` if missing."""
        self._key = await shared_key(self.db, "greymatter_jwt")
        if admin_password:
            await self.users.add("admin", admin_password, replace=False)

    async def add_user(self, username: str, password: str, *, replace: bool) -> bool:
        """Add a user (with `replace`, reset an existing one's password); False if it exists."""
        return await self.users.add(username, password, replace=replace)

    async def issue(self, username: str, password: str) -> Token | None:
        """A token for a user whose password matches (None otherwise)."""
        if not await self.users.check(username, password):
            return None
        now = self.clock.now()
        jti = str(uuid.uuid4())
        claims: dict[str, Any] = {
            "user_name": username,
            "scope": ["openid"],
            "exp": int(now.timestamp()) + self.lifetime,
            "jti": jti,
            "client_id": CLIENT_ID,
        }
        return Token(jwt.encode(claims, self._key, algorithm="HS256"), self.lifetime, jti)

    def check(self, token: str | None) -> None:
        """Accept the static sandbox token or an unexpired issued one; Unauthorized else."""
        if not token:
            raise Unauthorized(
                "Full authentication is required: send Authorization: Bearer <token>."
            )
        if self.static_token and same_secret(token, self.static_token):
            return
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.InvalidTokenError:
            raise Unauthorized("The access token is not valid.") from None
        if self.clock.now().timestamp() >= float(claims.get("exp", 0)):
            raise Unauthorized("Access token expired: fetch a new one from the token endpoint.")

    def valid(self, token: str) -> bool:
        """Whether `token` would be accepted."""
        try:
            self.check(token)
        except Unauthorized:
            return False
        return True
