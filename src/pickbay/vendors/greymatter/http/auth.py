"""GreyMatter's OAuth token endpoint (the platform's auth service).

From the platform's reference ("Authentication",
docs.butler.greyorange.com/greymatter/v10.1.0/api/auth.html): `grant_type=password`,
username and password as URL parameters or as an urlencoded form, the fixed header
`Authorization: Basic YnV0bGVyOmJ1dGxlcg==`; the answer carries `access_token` and
`expires_in`; 401 when not authorized. Inferred: the error bodies (`error` and
`error_description`, as OAuth 2.0 (RFC 6749, section 5.2) and Spring's auth server answer),
400 for a missing or unsupported grant type, and `token_type`, `scope` and `jti` beside the
two documented fields.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from pydantic import BaseModel

from pickbay.core.errors import PickbayError
from pickbay.http.common import JsonResponse, runtime, same_secret
from pickbay.vendors.greymatter.auth import CLIENT_ID, GreyMatterAuth

AUTH_PREFIX = "/api-gateway/auth-service/platform-auth"
CLIENT_HEADER = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_ID}".encode()).decode()
FORM = "application/x-www-form-urlencoded"
CONTENT_TYPE = "application/json;charset=UTF-8"
router = APIRouter(prefix=AUTH_PREFIX, tags=["GreyMatter"])
ERRORS = {400: "invalid_request", 401: "unauthorized", 413: "invalid_request"}


class OAuthError(BaseModel):
    """An OAuth 2.0 error (RFC 6749, section 5.2)."""

    error: str
    error_description: str


class Token(BaseModel):
    """An access token and how long it lasts, in seconds of sandbox time."""

    access_token: str
    token_type: str
    expires_in: int
    scope: str
    jti: str


def oauth_error(status: int, error: str, description: str) -> JsonResponse:
    """An OAuth 2.0 error body."""
    return JsonResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Content-Type": CONTENT_TYPE},
    )


def render(exc: PickbayError) -> JsonResponse:
    """Any other error of the auth service (a body too large, a broken request), as OAuth's."""
    return oauth_error(exc.status, ERRORS.get(exc.status, "server_error"), exc.detail or exc.title)


@router.post(
    "/oauth/token",
    summary="Fetch an OAuth token",
    response_model=Token,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "username", "password"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["password"]},
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                        },
                    }
                }
            },
        },
        "security": [{"GreyMatterClient": []}],
    },
)
async def token(request: Request) -> JsonResponse:
    """An access token for a user's username and password (form or URL parameters), sent
    with the platform's fixed client header; it lasts `expires_in` seconds of sandbox time.
    Inferred: the error bodies (OAuth 2.0's), 400 for a missing or unsupported grant type,
    and `token_type`, `scope` and `jti` beside the two documented fields."""
    if not same_secret(request.headers.get("authorization", ""), CLIENT_HEADER):
        return oauth_error(
            401, "unauthorized", "Full authentication is required to access this resource"
        )
    params: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw:
        given = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if given != FORM:
            return oauth_error(
                415, "invalid_request", f"Content-Type '{given or 'none'}' is not supported."
            )
        try:
            form = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return oauth_error(400, "invalid_request", "The form is not UTF-8.")
        params.update({k: v[0] for k, v in form.items()})
    for name, value in params.items():
        if "\x00" in name or "\x00" in str(value):
            return oauth_error(400, "invalid_request", f"'{name}' contains a NUL character.")
    grant = params.get("grant_type")
    if not grant:
        return oauth_error(400, "invalid_request", "Missing grant type")
    if grant != "password":
        return oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
    auth = runtime(request).service(GreyMatterAuth)
    issued = await auth.issue(str(params.get("username", "")), str(params.get("password", "")))
    if issued is None:
        return oauth_error(401, "invalid_grant", "Bad credentials")
    return JsonResponse(
        {
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": "openid",
            "jti": issued.jti,
        },
        headers={"Content-Type": CONTENT_TYPE},
    )
