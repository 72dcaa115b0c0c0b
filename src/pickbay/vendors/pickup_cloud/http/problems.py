"""Errors in ASP.NET Core's shape (ProblemDetails, ValidationProblemDetails)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from pickbay.core.errors import InvalidInput, PickbayError
from pickbay.http.common import JsonResponse

_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
}
VALIDATION_TITLE = "One or more validation errors occurred."

# Inclusive ranges of the integer fields, for the "must be between" message.
RANGES: dict[str, tuple[int, int]] = {
    "quantityOrdered": (1, 2_147_483_647),
    "interval": (1, 99),
    "skip": (0, 2_147_483_647),
    "take": (1, 500),
}

_NET_TYPES = {
    "int": "System.Int32",
    "bool": "System.Boolean",
    "string": "System.String",
    "datetime": "System.DateTime",
    "date": "System.DateTime",
    "list": "System.Collections.Generic.List`1",
    "model": "System.Object",
    "dict": "System.Object",
}


MEDIA_TYPE = "application/problem+json"


class ProblemDetails(BaseModel):
    """An error as ASP.NET Core writes it (RFC 9457 problem details)."""

    type: str = Field(description="A URI that names the kind of problem.")
    title: str
    status: int
    detail: str | None = Field(default=None, description="What went wrong, when there is more.")
    traceId: str = Field(description="The W3C trace id of the request.")


class ValidationProblemDetails(ProblemDetails):
    """A 400: every field that did not bind or validate, with its messages."""

    errors: dict[str, list[str]] = Field(
        description="Messages by model member (`Articles[0].QuantityOrdered`) or, when the JSON "
        "itself could not be read, by JSON path (`$.articles[0]`)."
    )


def trace_id() -> str:
    """A W3C trace id as ASP.NET Core puts in every problem."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """A ProblemDetails response."""
    body: dict[str, Any] = {
        "type": _TYPES.get(status, _TYPES[500]),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    body["traceId"] = trace_id()
    return JsonResponse(body, status_code=status, media_type=MEDIA_TYPE + "; charset=utf-8")


def _pascal(segment: str) -> str:
    return segment[:1].upper() + segment[1:]


def member_path(loc: tuple[int | str, ...]) -> str:
    """`Articles[0].QuantityOrdered`, as ASP.NET names a model member."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + _pascal(part)
    return out


def json_path(loc: tuple[int | str, ...]) -> str:
    """`$.articles[0].quantityOrdered`, as System.Text.Json names a JSON location."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as ASP.NET's `errors` map (model members, or JSON paths for bad JSON)."""
    errors: dict[str, list[str]] = {}
    json_level = False
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "request")
        ctx = err.get("ctx") or {}
        required = (
            kind == "missing"
            or (kind.endswith("_type") and err.get("input") is None)
            or (kind == "string_too_short" and ctx.get("min_length") == 1)
        )
        if required:
            key, msg = member_path(loc), f"The {_pascal(name)} field is required."
        elif kind == "string_too_long":
            key = member_path(loc)
            msg = (
                f"The field {_pascal(name)} must be a string with a maximum length of "
                f"{ctx['max_length']}."
            )
        elif kind == "too_short":
            key = member_path(loc)
            msg = (
                f"The field {_pascal(name)} must be a string or array type with a minimum "
                f"length of '{ctx['min_length']}'."
            )
        elif kind == "too_long":
            key = member_path(loc)
            msg = (
                f"The field {_pascal(name)} must be a string or array type with a maximum "
                f"length of '{ctx['max_length']}'."
            )
        elif kind in ("greater_than_equal", "less_than_equal") and name in RANGES:
            lo, hi = RANGES[name]
            key, msg = member_path(loc), f"The field {_pascal(name)} must be between {lo} and {hi}."
        elif kind == "json_invalid":
            json_level = True
            key, msg = "$", f"{ctx.get('error', 'invalid JSON')}. Path: $."
        else:
            json_level = True
            net = _NET_TYPES.get(kind.split("_")[0], "the target type")
            key = json_path(loc)
            msg = f"The JSON value could not be converted to {net}. Path: {key}."
        errors.setdefault(key or "request", []).append(msg)
    if json_level:
        # ASP.NET binds no model when the JSON cannot be read, and says so too.
        errors.setdefault("request", []).append("The request field is required.")
    return errors


class BindingErrors(InvalidInput):
    """Errors already keyed the ASP.NET way (by model binding), rendered as they are."""


def render(request: Request, exc: PickbayError) -> Response:
    """Any pickbay error in the vendor's format."""
    if isinstance(exc, BindingErrors):
        return problem(400, VALIDATION_TITLE, errors=exc.errors)
    if isinstance(exc, InvalidInput):
        # Engine rules name API fields (camelCase); ASP.NET names the model member.
        return problem(
            400,
            VALIDATION_TITLE,
            errors={member_path(tuple(k.split("."))) if k else k: v for k, v in exc.errors.items()},
        )
    if exc.status == 500:
        return problem(500, exc.title, exc.detail or None)
    return problem(exc.status, exc.title, exc.detail or None)
