"""Authentication, body reading and error format of pickbay's own API."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from pickbay.core.errors import InvalidInput, PickbayError, Unauthorized
from pickbay.http.common import JsonResponse, runtime, same_secret
from pickbay.http.nul import MESSAGE as NUL_MESSAGE
from pickbay.http.nul import body_nul, dotted

PREFIX = "/pickbay/v1"
MAX_ID = 2**63 - 1  # the largest id (and sequence number) a database column holds
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
bearer = HTTPBearer(auto_error=False, description="PICKBAY_ADMIN_TOKEN (sandbox default: dev)")
M = TypeVar("M", bound=BaseModel)


async def admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)] = None,
) -> None:
    """Require `Authorization: Bearer <admin token>`."""
    expected = runtime(request).settings.admin_token
    given = "" if credentials is None else credentials.credentials
    if not same_secret(given, expected):
        raise Unauthorized("Send Authorization: Bearer <PICKBAY_ADMIN_TOKEN>.")


Admin = Depends(admin)


class UserIn(BaseModel):
    """A user of a vendor's API: the name and password it signs in with."""

    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors keyed by dotted field path."""
    out: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"]) or "body"
        out.setdefault(key, []).append(err["msg"])
    return out


async def read_json(request: Request, model: type[M], *, optional: bool = False) -> M:
    """The body as `model`, or a 400 naming each bad field."""
    raw = await request.body()
    if not raw.strip():
        raw = b"{}" if optional else raw
    nul = body_nul(raw)
    if nul is not None:
        raise InvalidInput({dotted(nul): [NUL_MESSAGE]})
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


class ErrorBody(BaseModel):
    """What went wrong."""

    status: int
    title: str
    detail: str
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Messages by field (dotted path), for a 400."
    )


class Error(BaseModel):
    """pickbay's own error body."""

    error: ErrorBody


def render(request: Request, exc: PickbayError) -> Response:
    """pickbay's own error format: {"error": {"status", "title", "detail", "errors"?}}."""
    body: dict[str, Any] = {
        "status": exc.status,
        "title": exc.title,
        "detail": exc.detail or exc.title,
    }
    if isinstance(exc, InvalidInput):
        body["errors"] = exc.errors
    return JsonResponse({"error": body}, status_code=exc.status)
