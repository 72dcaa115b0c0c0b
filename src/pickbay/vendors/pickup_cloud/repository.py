"""Pickup Cloud orders in the shared order tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict
from pickbay.store import events as event_log
from pickbay.store import timers as timer_store
from pickbay.store.orders import insert_rows, new_row, save_version
from pickbay.store.tables import order_lines, order_refs, orders
from pickbay.vendors.pickup_cloud.model import NAME, Article, OrderKind, PickupOrder, PickupState

GLOBAL = ""  # the scope of refs that are unique across tenants (codes)


def origin_scope(tenant: str, origin: str) -> str:
    """The scope of an origin's own order numbers: inside its tenant, apart from the tenant's."""
    # A tenant's name holds no line break, so no tenant scope looks like this.
    return f"{tenant}\n{origin}"


_DATES = (
    "start_date",
    "end_date",
    "last_update_at",
    "picked_up_at",
    "canceled_at",
    "first_input_at",
)
_SCALARS = (
    "related_notes",
    "dosage_information",
    "send_customer_pickup_mail",
    "customer_self_registration",
    "customer_details",
    "origin",
    "origin_order_number",
    "is_overdue",
    "cancellation_reason",
    "pickup_code",
    "storage_code",
)


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _order_data(order: PickupOrder) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(order, name) for name in _SCALARS}
    data.update({name: _t(getattr(order, name)) for name in _DATES})
    return data


def _line_row(order_id: int, number: int, a: Article) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "number": number,
        "sku": a.scan_code,
        "name": a.name,
        "quantity": a.quantity,
        "state": a.state.value,
        "data": {
            "interval": a.interval,
            "due_date": _t(a.due_date),
            "iteration": a.iteration,
            "state_changed_at": _t(a.state_changed_at),
            "packs": a.packs,
            "picked_up": a.picked_up,
        },
    }


def _refs(order: PickupOrder) -> list[dict[str, Any]]:
    refs = [
        {"scope": order.tenant, "kind": "order_number", "value": order.order_number},
        {"scope": GLOBAL, "kind": "pickup_code", "value": order.pickup_code},
        {"scope": GLOBAL, "kind": "storage_code", "value": order.storage_code},
    ]
    if order.origin is not None and order.origin_order_number is not None:
        scope = origin_scope(order.tenant, order.origin)
        refs.append({"scope": scope, "kind": "order_number", "value": order.origin_order_number})
    return [{"dialect": NAME, "order_id": order.row_id, **r} for r in refs]


async def _flush(conn: AsyncConnection, written: list[PickupOrder]) -> None:
    """Append the orders' new events and timers (the orders keep them: callers may retry)."""
    await event_log.append_rows(
        conn,
        [
            event_log.row(e, dialect=NAME, tenant=o.tenant, order_id=o.row_id)
            for o in written
            for e in o.events
        ],
    )
    await timer_store.add(conn, [(o.row_id, t) for o in written for t in o.timers])


async def ref_taken(conn: AsyncConnection, scope: str, kind: str, value: str) -> bool:
    """Whether an order already answers to this ref."""
    return await find_id(conn, scope, kind, value) is not None


async def insert_order(conn: AsyncConnection, order: PickupOrder) -> int:
    """Store a new order with its refs, lines, events and timers; Conflict on a taken ref."""
    try:
        await insert_orders(conn, [order])
    except IntegrityError:
        raise Conflict(
            f"An order with the order number '{order.order_number}' already exists."
        ) from None
    assert order.row_id is not None
    return order.row_id


async def insert_orders(conn: AsyncConnection, new: list[PickupOrder]) -> None:
    """Store several new orders at once (IntegrityError if any ref is taken: nothing stored)."""
    ids = await insert_rows(
        conn,
        [
            new_row(
                dialect=NAME,
                tenant=o.tenant,
                number=o.order_number,
                kind=o.kind.value,
                state=o.state.value,
                created_at=o.created_at,
                updated_at=o.last_update_at,
                data=_order_data(o),
            )
            for o in new
        ],
    )
    for order, order_id in zip(new, ids, strict=True):
        order.row_id, order.version = order_id, 1
    await conn.execute(insert(order_refs), [r for o in new for r in _refs(o)])
    await conn.execute(
        insert(order_lines),
        [
            _line_row(o.row_id, n, a)
            for o in new
            if o.row_id is not None
            for n, a in enumerate(o.articles)
        ],
    )
    await _flush(conn, new)


async def update_order(conn: AsyncConnection, order: PickupOrder) -> None:
    """Store a changed order with its new events and timers; Conflict if it changed meanwhile."""
    assert order.row_id is not None
    order.version = await save_version(
        conn,
        order.row_id,
        order.version,
        f"order {order.order_number}",
        state=order.state.value,
        updated_at=order.last_update_at,
        data=_order_data(order),
    )
    # One executemany for every line instead of one round trip each.
    await conn.execute(
        update(order_lines)
        .where(
            and_(
                order_lines.c.order_id == bindparam("b_order_id"),
                order_lines.c.number == bindparam("b_number"),
            )
        )
        .values(state=bindparam("b_state"), data=bindparam("b_data")),
        [
            {"b_order_id": order.row_id, "b_number": n, "b_state": r["state"], "b_data": r["data"]}
            for n, r in ((n, _line_row(order.row_id, n, a)) for n, a in enumerate(order.articles))
        ],
    )
    await _flush(conn, [order])


# Built once: a statement object costs about 0.1 ms to build, and this one is on every create.
_FIND_ID = select(order_refs.c.order_id).where(
    order_refs.c.dialect == NAME,
    order_refs.c.scope == bindparam("scope"),
    order_refs.c.kind == bindparam("kind"),
    order_refs.c.value == bindparam("value"),
)


async def find_id(conn: AsyncConnection, scope: str, kind: str, value: str) -> int | None:
    """The id of the order that answers to a ref."""
    params = {"scope": scope, "kind": kind, "value": value}
    found = (await conn.execute(_FIND_ID, params)).scalar()
    return None if found is None else int(found)


_LINE_FIELDS = ("number", "sku", "name", "quantity", "state", "data")
_LINE = [order_lines.c[name].label(f"line_{name}") for name in _LINE_FIELDS]
_WITH_LINES = (
    select(orders, *_LINE)
    .select_from(
        orders.outerjoin(order_lines, order_lines.c.order_id == orders.c.id),
    )
    .order_by(orders.c.id, order_lines.c.number)
)
_BY_ID = _WITH_LINES.where(and_(orders.c.id == bindparam("order_id"), orders.c.dialect == NAME))
_BY_REF = _WITH_LINES.where(
    orders.c.id
    == select(order_refs.c.order_id)
    .where(
        and_(
            order_refs.c.dialect == NAME,
            order_refs.c.scope == bindparam("scope"),
            order_refs.c.kind == bindparam("kind"),
            order_refs.c.value == bindparam("value"),
        )
    )
    .scalar_subquery()
)


async def load(conn: AsyncConnection, order_id: int) -> PickupOrder | None:
    """The order with its articles, or None (one statement)."""
    found = _assemble((await conn.execute(_BY_ID, {"order_id": order_id})).mappings())
    return found[0] if found else None


async def load_by_ref(
    conn: AsyncConnection, scope: str, kind: str, value: str
) -> PickupOrder | None:
    """The order that answers to a ref, with its articles, or None (one statement)."""
    params = {"scope": scope, "kind": kind, "value": value}
    found = _assemble((await conn.execute(_BY_REF, params)).mappings())
    return found[0] if found else None


async def list_orders(
    conn: AsyncConnection, tenant: str, *, state: str | None, skip: int, take: int
) -> list[PickupOrder]:
    """One page of the orders a tenant can address by its own number, oldest first."""
    page = (
        select(orders.c.id)
        .join(order_refs, order_refs.c.order_id == orders.c.id)
        .where(
            and_(
                order_refs.c.dialect == NAME,
                order_refs.c.scope == tenant,
                order_refs.c.kind == "order_number",
            )
        )
        .order_by(orders.c.id)
        .offset(skip)
        .limit(take)
    )
    if state is not None:
        page = page.where(orders.c.state == state)
    # The page is a derived table: LIMIT inside IN (...) is not allowed everywhere.
    ids = page.subquery()
    query = _WITH_LINES.where(orders.c.id.in_(select(ids.c.id)))
    return _assemble((await conn.execute(query)).mappings())


def _assemble(rows: Any) -> list[PickupOrder]:
    """Orders from rows of order columns joined with `line_` columns, in row order."""
    built: list[PickupOrder] = []
    current: Any = None
    lines: list[dict[str, Any]] = []
    for row in rows:
        if current is None or row["id"] != current["id"]:
            if current is not None:
                built.append(_to_order(current, lines))
            current, lines = row, []
        if row["line_number"] is not None:
            lines.append({c: row[f"line_{c}"] for c in _LINE_FIELDS})
    if current is not None:
        built.append(_to_order(current, lines))
    return built


def _to_order(row: Any, lines: Any) -> PickupOrder:
    data = row["data"]
    articles = [
        Article(
            scan_code=line["sku"],
            name=line["name"],
            quantity=line["quantity"],
            state=PickupState(line["state"]),
            interval=line["data"]["interval"],
            due_date=_dt(line["data"]["due_date"]),
            iteration=line["data"]["iteration"],
            state_changed_at=_dt(line["data"]["state_changed_at"]),
            packs=line["data"]["packs"],
            picked_up=line["data"]["picked_up"],
        )
        for line in lines
    ]
    fields: dict[str, Any] = {name: data[name] for name in _SCALARS}
    fields.update({name: _dt(data[name]) for name in _DATES})
    return PickupOrder(
        row_id=int(row["id"]),
        tenant=row["tenant"],
        kind=OrderKind(row["kind"]),
        order_number=row["number"],
        created_at=row["created_at"],
        state=PickupState(row["state"]),
        version=row["version"],
        articles=articles,
        **fields,
    )
