"""Pickup Cloud API keys: a new key makes (or joins) a tenant, as `pickbay keys create` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pickbay.api import answers
from pickbay.api.common import PREFIX, Admin, read_json
from pickbay.core.patterns import NOT_SPACE
from pickbay.http.common import JsonResponse, body_schema, runtime
from pickbay.store.tables import NAME_MAX

router = APIRouter(prefix=PREFIX + "/keys", tags=["API keys"], dependencies=[Admin])


class KeyIn(BaseModel):
    """The tenant the new key speaks for (created if new), and the client inside it, if any."""

    model_config = ConfigDict(extra="forbid")
    tenant: Annotated[
        str,
        Field(
            min_length=1,
            max_length=NAME_MAX,
            pattern=f"^{NOT_SPACE}(?:[^\\n]*{NOT_SPACE})?$",
            description="No white space at either end, no line break",
        ),
    ]
    origin: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=NAME_MAX,
            description="The API client the key speaks as inside its tenant: on-behalf-of"
            " orders with this `origin` answer to it by their `originOrderNumber`",
        ),
    ] = None


@router.post(
    "",
    summary="Create a Pickup Cloud API key",
    response_model=answers.Key,
    status_code=201,
    openapi_extra=body_schema(KeyIn, ("application/json",)),
)
async def create_key(request: Request) -> JsonResponse:
    """A new random key; the answer is the only time it is shown (it is stored hashed)."""
    body = await read_json(request, KeyIn)
    key = await runtime(request).tenancy.create_key(body.tenant, body.origin)
    return JsonResponse({"tenant": body.tenant, "origin": body.origin, "key": key}, status_code=201)
