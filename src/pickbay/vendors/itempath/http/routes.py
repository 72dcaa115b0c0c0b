"""ItemPath REST routes: login, orders, order lines, materials, storage units, transactions;
errors in ItemPath's shape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import Response

from pickbay.core.errors import (
    Conflict,
    Errors,
    InvalidInput,
    NotFound,
    PickbayError,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from pickbay.core.query import ListQuery
from pickbay.http.common import JsonResponse, body_schema, is_json, runtime
from pickbay.http.nul import json_body
from pickbay.vendors.itempath.http import bodies
from pickbay.vendors.itempath.http import documents as docs
from pickbay.vendors.itempath.http.query import (
    LINE_FIELDS,
    MATERIAL_FIELDS,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_PATTERN,
    MAX_VALUES,
    ORDER_FIELDS,
    STORAGE_UNIT_FIELDS,
    TRANSACTION_FIELDS,
    parse_list,
)
from pickbay.vendors.itempath.http.views import (
    line_view,
    material_view,
    order_view,
    storage_unit_view,
    transaction_view,
)
from pickbay.vendors.itempath.service import ItemPathService

PREFIX = "/api"
# The vendor's docs write the update as `put /orders/[id]`: that path answers too.
LEGACY_PREFIX = "/orders"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "POST /api/users/login (sandbox: admin / admin) and send the accessToken",
}
REFRESH_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "The refreshToken of POST /api/users/login",
}
router = APIRouter(
    tags=["ItemPath"],
    responses={
        422: {
            "description": 'A malformed token, or one of the wrong kind ({"msg"}); or a '
            'clash with what is stored ({"errors"}). Inferred: ItemPath\'s token errors are '
            "Flask-JWT-Extended's, which answers these with 422."
        }
    },
)


def _list_arguments(fields: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of a list: a filter per field, paging and counting, and the grammar."""
    key = r"\s*[-+]?\s*(" + "|".join(sorted(fields)) + r")\s*"
    filters = [
        {
            "name": name,
            "in": "query",
            "description": f"A filter on {name} ({spec.kind.value}): `[op]value` or a value",
            "schema": {"type": "string"},
        }
        for name, spec in sorted(fields.items())
    ]
    return {
        "description": (
            "Each field is a filter, `field=value` or `field=[op]value`, the operator one of "
            "[not] [gt] [gte] [lt] [lte] (compare), [like] [notlike] (text fields: % and _ "
            f"as wildcards, at most {MAX_PATTERN:,} characters), [or] [nor] (values separated "
            f"by `;`, at most {MAX_VALUES}); the value `null` matches an empty field. Dates "
            "take YYYY-MM-DD (a whole day), YYYY-MM, a date and time (UTC if unzoned), or now, "
            "today, yesterday, lastDay, lastWeek, lastMonth, lastYear on the sandbox clock. "
            "Orders also filter on their custom fields (ORDERNOTE, ...) by name. A filter "
            "that does not parse, or an unknown argument, is a 400."
        ),
        "parameters": [
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": "offset",
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
            {
                "name": "orderBy",
                "in": "query",
                "description": "Comma-separated fields, each with - for descending",
                "schema": {"type": "string", "pattern": f"^{key}(,{key})*$"},
            },
            {"name": "countOnly", "in": "query", "schema": {"type": "boolean"}},
            *filters,
        ],
    }


T = TypeVar("T")


class Message(BaseModel):
    """One message about a field."""

    message: str


class ErrorList(BaseModel):
    """ItemPath's errors: one `{field: {"message"}}` object per problem."""

    errors: list[dict[str, Message]]


class TokenError(BaseModel):
    """A refused token (a missing, expired or malformed one), as Flask-JWT-Extended says it."""

    msg: str


def error_body(status: int) -> Any:
    """The model of ItemPath's error bodies with `status`."""
    if status == 401:
        return TokenError
    if status == 422:  # a malformed token, or a clash with what is stored
        return TokenError | ErrorList
    return ErrorList


def render(request: Request, exc: PickbayError) -> Response:
    """ItemPath's errors: token problems as {"msg"}, the rest as {"errors": [{field: msg}]}."""
    if isinstance(exc, Unauthorized | Unprocessable):
        return JsonResponse({"msg": exc.detail or exc.title}, status_code=exc.status)
    status = 422 if isinstance(exc, Conflict) else exc.status
    if isinstance(exc, InvalidInput):
        errors = [{k: {"message": m}} for k, messages in exc.errors.items() for m in messages]
    else:
        field = exc.field or ("id" if isinstance(exc, NotFound) else "request")
        errors = [{field: {"message": exc.detail or exc.title}}]
    return JsonResponse({"errors": errors}, status_code=status)


def _service(request: Request) -> ItemPathService:
    return runtime(request).service(ItemPathService)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unprocessable("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")
    return token.strip()


def authenticate(request: Request) -> str:
    """The user of the request's access (or application) token."""
    return runtime(request).accounts.verify(_bearer(request))


async def _json(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    raw = await request.body()
    if (raw or content_type) and not is_json(content_type):
        # Inferred: ItemPath answers as a Flask service does (its token errors are
        # Flask-JWT-Extended's), and Flask reads JSON bodies of a JSON content type only.
        raise UnsupportedMediaType(
            "Did not attempt to load JSON data because the request Content-Type was not"
            " 'application/json'."
        )
    if not raw.strip():
        raise InvalidInput({"body": ["An object is required to be sent."]})
    return json_body(raw)


async def _list_query(request: Request, fields: Any, *, dynamic: bool = False) -> ListQuery:
    service = _service(request)

    async def known(name: str) -> bool:
        return name in bodies.DEFAULT_DYNAMIC or await service.known_dynamic_field(name)

    return await parse_list(
        request.query_params.multi_items(),
        fields,
        service.clock.now(),
        dynamic=known if dynamic else None,
    )


async def _listing(
    request: Request,
    fields: Any,
    key: str,
    count: Callable[[ListQuery], Awaitable[int]],
    fetch: Callable[[ListQuery], Awaitable[list[T]]],
    view: Callable[[T], dict[str, Any]],
    *,
    dynamic: bool = False,
) -> JsonResponse:
    """A list answer: `{"count"}` for countOnly, else `{key: [view(...)]}`."""
    authenticate(request)
    query = await _list_query(request, fields, dynamic=dynamic)
    if query.count_only:
        return JsonResponse({"count": await count(query)})
    return JsonResponse({key: [view(x) for x in await fetch(query)]})


# ---------------------------------------------------------------------- users


@router.post(
    PREFIX + "/users/login",
    summary="Log in: access and refresh tokens",
    response_model=docs.Tokens,
    openapi_extra=body_schema(docs.LOGIN, docs.JSON),
    responses={404: {"description": "No user with that name and password."}},
)
async def login(request: Request) -> JsonResponse:
    """`{"username", "password"}` -> tokens; 404 for a wrong pair (as the vendor answers)."""
    body = await _json(request)
    if not isinstance(body, dict):
        raise InvalidInput({"body": ['Send {"username": ..., "password": ...}.']})
    username, password = body.get("username"), body.get("password")
    errors = Errors()
    for key, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            errors.add(key, bodies.REQUIRED)
    errors.raise_any()
    assert isinstance(username, str)
    assert isinstance(password, str)
    tokens = await runtime(request).accounts.login(username, password)
    return JsonResponse(
        {"login": True, "accessToken": tokens.access, "refreshToken": tokens.refresh}
    )


@router.get(
    PREFIX + "/users/refresh",
    summary="A new access token for a refresh token",
    response_model=docs.AccessToken,
    openapi_extra={"security": [{"ItemPathRefreshToken": []}]},
)
async def refresh(request: Request) -> JsonResponse:
    """Send the refresh token as the bearer token."""
    access = runtime(request).accounts.refresh(_bearer(request))
    return JsonResponse({"accessToken": access})


# ---------------------------------------------------------------------- orders


@router.get(
    PREFIX + "/orders",
    summary="List orders (filters, limit, offset, orderBy, countOnly)",
    response_model=docs.Orders | docs.Count,
    openapi_extra=_list_arguments(ORDER_FIELDS),
)
async def list_orders(request: Request) -> JsonResponse:
    """Orders, live and processed, filtered in the database."""
    service = _service(request)
    return await _listing(
        request,
        ORDER_FIELDS,
        "orders",
        service.count_orders,
        service.list_orders,
        order_view,
        dynamic=True,
    )


@router.post(
    PREFIX + "/orders",
    summary="Create an order (queued until the lift imports it)",
    response_model=docs.OneOrder,
    openapi_extra=body_schema(docs.NEW_ORDER, docs.JSON, example=docs.PUT_EXAMPLE),
)
async def create_order(request: Request) -> JsonResponse:
    """The order as queued; the lift imports and (if asked) allocates it soon after."""
    authenticate(request)
    order = await _service(request).create(bodies.new_order(await _json(request)))
    return JsonResponse({"order": order_view(order)})


@router.get(
    PREFIX + "/orders/{order_id}",
    summary="Show an order (live or processed)",
    response_model=docs.OneOrder,
)
async def show_order(request: Request, order_id: str) -> JsonResponse:
    """One order by id."""
    authenticate(request)
    return JsonResponse({"order": order_view(await _service(request).get(order_id))})


@router.put(
    PREFIX + "/orders/{order_id}",
    summary="Update an order; allocate or deallocate",
    response_model=docs.OneOrder,
    openapi_extra=body_schema(docs.ORDER_CHANGES, docs.JSON),
)
@router.post(PREFIX + "/orders/{order_id}", include_in_schema=False)
@router.put(LEGACY_PREFIX + "/{order_id}", include_in_schema=False)
async def update_order(request: Request, order_id: str) -> JsonResponse:
    """Only the keys sent change; `allocate` true or false (de)allocates."""
    authenticate(request)
    changes = bodies.changes(await _json(request))
    return JsonResponse({"order": order_view(await _service(request).update(order_id, changes))})


@router.delete(
    PREFIX + "/orders/{order_id}/delete",
    summary="Delete an order and its lines",
    response_model=docs.Deleted,
)
@router.delete(PREFIX + "/orders/{order_id}", include_in_schema=False)
async def delete_order(request: Request, order_id: str) -> JsonResponse:
    """`{"deleted": "true"}`."""
    authenticate(request)
    await _service(request).delete(order_id)
    return JsonResponse({"deleted": "true"})


# ---------------------------------------------------------------------- order lines


@router.get(
    PREFIX + "/order_lines",
    summary="List order lines",
    response_model=docs.OrderLines | docs.Count,
    openapi_extra=_list_arguments(LINE_FIELDS),
)
async def list_lines(request: Request) -> JsonResponse:
    """Order lines of every order, filtered in the database."""
    service = _service(request)
    return await _listing(
        request,
        LINE_FIELDS,
        "order_lines",
        service.count_lines,
        service.list_lines,
        lambda found: line_view(*found),
    )


@router.post(
    PREFIX + "/order_lines",
    summary="Add a line to an order not yet allocated",
    response_model=docs.OneOrderLine,
    openapi_extra=body_schema(docs.NEW_LINE, docs.JSON),
    responses={404: {"description": "No order with that orderId, or no such material."}},
)
async def create_line(request: Request) -> JsonResponse:
    """`{"orderId", "materialId" or "materialName", "quantity", ...}`."""
    authenticate(request)
    body = await _json(request)
    order_id = body.get("orderId") if isinstance(body, dict) else None
    if not isinstance(order_id, str):
        raise InvalidInput({"orderId": [bodies.REQUIRED]})
    line, order = await _service(request).add_line(order_id, bodies.new_line(body))
    return JsonResponse({"order_line": line_view(line, order.id, int(order.direction))})


@router.get(
    PREFIX + "/order_lines/{line_id}",
    summary="Show an order line",
    response_model=docs.OneOrderLine,
)
async def show_line(request: Request, line_id: str) -> JsonResponse:
    """One order line by id."""
    authenticate(request)
    line, order = await _service(request).get_line(line_id)
    return JsonResponse({"order_line": line_view(line, order.id, int(order.direction))})


# ---------------------------------------------------------------------- materials


@router.get(
    PREFIX + "/materials",
    summary="List materials with their stock",
    response_model=docs.Materials | docs.Count,
    openapi_extra=_list_arguments(MATERIAL_FIELDS),
)
async def list_materials(request: Request) -> JsonResponse:
    """Materials, filtered in the database."""
    service = _service(request)
    return await _listing(
        request,
        MATERIAL_FIELDS,
        "materials",
        service.count_materials,
        service.list_materials,
        material_view,
    )


@router.post(
    PREFIX + "/materials",
    summary="Create a material",
    response_model=docs.OneMaterial,
    openapi_extra=body_schema(docs.NEW_MATERIAL, docs.JSON),
)
async def create_material(request: Request) -> JsonResponse:
    """A new material, with no stock until a put order stores some."""
    authenticate(request)
    values = bodies.material(await _json(request), create=True)
    return JsonResponse(
        {"material": material_view(await _service(request).create_material(values))}
    )


@router.get(
    PREFIX + "/materials/{key}",
    summary="Show a material (by id or name)",
    response_model=docs.OneMaterial,
)
async def show_material(request: Request, key: str) -> JsonResponse:
    """One material."""
    authenticate(request)
    return JsonResponse({"material": material_view(await _service(request).get_material(key))})


@router.post(
    PREFIX + "/materials/{key}",
    summary="Update a material",
    response_model=docs.OneMaterial,
    openapi_extra=body_schema(docs.MATERIAL_CHANGES, docs.JSON),
)
@router.put(PREFIX + "/materials/{key}", include_in_schema=False)
async def update_material(request: Request, key: str) -> JsonResponse:
    """Only the keys sent change."""
    authenticate(request)
    values = bodies.material(await _json(request), create=False)
    found = await _service(request).update_material(key, values)
    return JsonResponse({"material": material_view(found)})


@router.delete(
    PREFIX + "/materials/{key}",
    summary="Delete a material no line uses",
    response_model=docs.Deleted,
)
async def delete_material(request: Request, key: str) -> JsonResponse:
    """`{"deleted": "true"}`."""
    authenticate(request)
    await _service(request).delete_material(key)
    return JsonResponse({"deleted": "true"})


# ---------------------------------------------------------------------- storage units


@router.get(
    PREFIX + "/storage_units",
    summary="List storage units",
    response_model=docs.StorageUnits | docs.Count,
    openapi_extra=_list_arguments(STORAGE_UNIT_FIELDS),
)
async def list_storage_units(request: Request) -> JsonResponse:
    """The installation's storage units (the sandbox's lift module, `VLM-01`)."""
    service = _service(request)
    return await _listing(
        request,
        STORAGE_UNIT_FIELDS,
        "storage_units",
        service.count_storage_units,
        service.list_storage_units,
        storage_unit_view,
    )


@router.get(
    PREFIX + "/storage_units/{unit_id}",
    summary="Show a storage unit",
    response_model=docs.OneStorageUnit,
)
async def show_storage_unit(request: Request, unit_id: str) -> JsonResponse:
    """One storage unit by id."""
    authenticate(request)
    found = await _service(request).get_storage_unit(unit_id)
    return JsonResponse({"storage_unit": storage_unit_view(found)})


# ---------------------------------------------------------------------- transactions


@router.get(
    PREFIX + "/transactions",
    summary="List transactions: what the lift did to each order line",
    response_model=docs.Transactions | docs.Count,
    openapi_extra=_list_arguments(TRANSACTION_FIELDS),
)
async def list_transactions(request: Request) -> JsonResponse:
    """Power Pick's history, oldest first: `exportStateType=2` is what waits to be exported."""
    service = _service(request)
    return await _listing(
        request,
        TRANSACTION_FIELDS,
        "transactions",
        service.count_transactions,
        service.list_transactions,
        transaction_view,
    )


@router.get(
    PREFIX + "/transactions/{transaction_id}",
    summary="Show a transaction",
    response_model=docs.OneTransaction,
)
async def show_transaction(request: Request, transaction_id: str) -> JsonResponse:
    """One history row."""
    authenticate(request)
    found = await _service(request).get_transaction(transaction_id)
    return JsonResponse({"transaction": transaction_view(found)})


@router.post(
    PREFIX + "/transactions/{transaction_id}",
    summary="Mark a transaction exported (its exportStateType)",
    response_model=docs.OneTransaction,
    openapi_extra=body_schema(docs.TRANSACTION_CHANGES, docs.JSON),
)
@router.put(PREFIX + "/transactions/{transaction_id}", include_in_schema=False)
async def update_transaction(request: Request, transaction_id: str) -> JsonResponse:
    """A host system that exported a row sets its exportStateType from 2 to 4."""
    authenticate(request)
    state = bodies.export_state(await _json(request))
    changed = await _service(request).set_export_state(transaction_id, state)
    return JsonResponse({"transaction": transaction_view(changed)})
