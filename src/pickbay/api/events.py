"""The event log as a feed: pages after a sequence number, and a Server-Sent Events stream.

Each caller reads only what its credentials may see: the admin token every event, a vendor's
credential that vendor's (a tenant's API key that tenant's).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from starlette.responses import StreamingResponse

from pickbay.api import answers
from pickbay.api.common import MAX_ID, PREFIX
from pickbay.core.errors import Unauthorized
from pickbay.core.events import StoredEvent
from pickbay.engine.board import Scope
from pickbay.http.common import JsonResponse, bearer, runtime, same_secret

router = APIRouter(prefix=PREFIX + "/events", tags=["Event feed"])

KEEP_ALIVE_SECONDS = 15.0
STREAM_BATCH = 500

Since = Annotated[int | None, Query(ge=0, le=MAX_ID, description="the last sequence number seen")]
Dialect = Annotated[str | None, Query(max_length=32)]
Tenant = Annotated[str | None, Query(max_length=100)]
Order = Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this order's events")]
Token = Annotated[
    str | None,
    Query(max_length=2000, description="the bearer token, for clients that cannot send headers"),
]


async def caller_scope(request: Request, access_token: str | None) -> Scope:
    """Whose events the request's credentials may read; Unauthorized if none are valid.

    An `x-api-key` header is a tenant's key; a bearer token (or `access_token`) is the admin
    token, a vendor's own credential, or a tenant's key, tried in that order.
    """
    rt = runtime(request)
    keyed = next((v for v in rt.vendors if v.api_keys), None)
    key = request.headers.get("x-api-key")
    if key and keyed is not None:
        return Scope(keyed.name, await rt.tenancy.authenticate(key))
    token = bearer(request) or (access_token or "").strip()
    if not token:
        raise Unauthorized(
            "Send Authorization: Bearer <token> (or ?access_token=), or x-api-key: <key>."
        )
    if same_secret(token, rt.settings.admin_token):
        return Scope()
    # A vendor's own credentials before tenant keys: the sandbox defaults may be equal.
    for vendor in sorted(rt.vendors, key=lambda v: v.api_keys):
        tenant = await vendor.feed_tenant(rt, token)
        if tenant is not None:
            return Scope(vendor.name, tenant)
    raise Unauthorized("The token is not valid for the event feed.")


CREDENTIAL: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No credential, or not one of the feed's: the admin token, or a "
        "vendor credential (bearer or access_token) for its own tenant's events."
    }
}


def _narrowed(scope: Scope, dialect: str | None, tenant: str | None) -> Scope | None:
    """The caller's scope narrowed by its filters; None if they ask for what it cannot see."""
    if dialect is not None and scope.dialect not in (None, dialect):
        return None
    if tenant is not None and scope.tenant not in (None, tenant):
        return None
    return Scope(scope.dialect or dialect, scope.tenant or tenant)


def event_view(e: StoredEvent) -> dict[str, Any]:
    """One event as the feed shows it."""
    return {
        "seq": e.seq,
        "type": e.type,
        "at": e.at.isoformat(),
        "dialect": e.dialect,
        "tenant": e.tenant,
        "orderId": e.order_id,
        "payload": e.payload,
    }


@router.get(
    "",
    summary="Events after a sequence number",
    response_model=answers.Events,
    responses=CREDENTIAL,
)
async def list_events(
    request: Request,
    since: Since = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    dialect: Dialect = None,
    tenant: Tenant = None,
    order: Order = None,
    access_token: Token = None,
) -> JsonResponse:
    """The caller's events with seq > `since`, oldest first. Ask again with `since=next`
    until `more` is false; then `next` is where to resume later (or where the stream starts)."""
    scope = _narrowed(await caller_scope(request, access_token), dialect, tenant)
    start = since or 0
    if scope is None:
        return JsonResponse({"events": [], "next": start, "more": False})
    page = await runtime(request).board.events(scope, since=start, limit=limit, order_id=order)
    return JsonResponse(
        {"events": [event_view(e) for e in page.events], "next": page.next, "more": page.more}
    )


@router.get(
    "/stream",
    summary="Events as they happen (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **CREDENTIAL},
)
async def stream_events(
    request: Request,
    since: Since = None,
    dialect: Dialect = None,
    tenant: Tenant = None,
    order: Order = None,
    access_token: Token = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Each event is one message: `id` its seq, `data` the event as JSON. A reconnecting
    client sends `Last-Event-ID` and resumes after it; `since` starts after a given seq;
    with neither, the stream starts with the next event."""
    scope = _narrowed(await caller_scope(request, access_token), dialect, tenant)
    rt = runtime(request)
    start: int | None = since
    if last_event_id is not None and last_event_id.strip().isdigit():
        start = min(int(last_event_id.strip()), MAX_ID)
    position = rt.feed.head if start is None else start

    async def messages() -> AsyncIterator[bytes]:
        last = position
        yield b"retry: 2000\n\n"
        while scope is not None:
            page = await rt.board.events(
                scope, since=last, limit=STREAM_BATCH, order_id=order, catch_up=False
            )
            if page.events:
                yield b"".join(
                    b"id: %d\ndata: %s\n\n" % (e.seq, orjson.dumps(event_view(e)))
                    for e in page.events
                )
            last = page.next
            if page.more:
                continue
            if not await rt.feed.wait(last, KEEP_ALIVE_SECONDS):
                if rt.feed.closed:
                    return
                yield b": keep-alive\n\n"
        while not rt.feed.closed:  # nothing to send, but stay connected like any stream
            await rt.feed.wait(rt.feed.head, KEEP_ALIVE_SECONDS)
            yield b": keep-alive\n\n"

    return StreamingResponse(
        messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
