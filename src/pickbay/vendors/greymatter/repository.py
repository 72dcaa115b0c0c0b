"""GreyMatter service requests and floor stock in the shared order tables."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import Conflict
from pickbay.store.orders import append_history, insert_rows, new_row, save_version
from pickbay.store.tables import order_refs, orders
from pickbay.vendors.greymatter.filters import Filter
from pickbay.vendors.greymatter.model import (
    NAME,
    PRIORITIES,
    Container,
    Line,
    RequestType,
    ServiceRequest,
    Slot,
    State,
)
from pickbay.vendors.greymatter.tables import (
    greymatter_ids,
    greymatter_orders,
    greymatter_stock,
    greymatter_stock_attributes,
)

TENANT = "default"
ID_REF = "id"  # order_refs kind of service request and line ids


# ---------------------------------------------------------------------- ids


async def new_ids(conn: AsyncConnection, count: int) -> list[int]:
    """`count` fresh ids from the one GreyMatter sequence, increasing."""
    if count <= 0:
        return []
    rows = await conn.execute(
        insert(greymatter_ids).returning(greymatter_ids.c.id, sort_by_parameter_order=True),
        [{"made": 1}] * count,
    )
    return [int(r[0]) for r in rows]


# ---------------------------------------------------------------------- encoding


def _t(value: datetime) -> str:
    return value.isoformat()


def _container(c: Container) -> dict[str, Any]:
    return {
        "id": c.id,
        "products": c.products,
        "created_at": _t(c.created_at),
        "state": c.state,
        "attributes": c.attributes,
    }


def _to_container(d: dict[str, Any]) -> Container:
    return Container(
        id=d["id"],
        products=d["products"],
        created_at=datetime.fromisoformat(d["created_at"]),
        state=d["state"],
        attributes=d["attributes"],
    )


def encode(sr: ServiceRequest) -> dict[str, Any]:
    """The request as stored in `orders.data`."""
    return {
        "id": sr.id,
        "external_id": sr.external_id,
        "kind": sr.kind.value,
        "state": sr.state.value,
        "attributes": sr.attributes,
        "received_at": _t(sr.received_at),
        "created_at": _t(sr.created_at),
        "updated_at": _t(sr.updated_at),
        "actuals": [_container(c) for c in sr.actuals],
        "pps_id": sr.pps_id,
        "bin_id": sr.bin_id,
        "lines": [
            {
                "id": x.id,
                "external_id": x.external_id,
                "quantity": x.quantity,
                "product_attributes": x.product_attributes,
                "expectations": [_container(c) for c in x.expectations],
                "created_at": _t(x.created_at),
                "updated_at": _t(x.updated_at),
                "state": x.state,
                "status": x.status,
                "actuals": [_container(c) for c in x.actuals],
                "attributes": x.attributes,
                "done": x.done,
                "short": x.short,
                "blocks": x.blocks,
            }
            for x in sr.lines
        ],
    }


def decode(data: dict[str, Any], row_id: int, version: int) -> ServiceRequest:
    """The request stored as `data`."""
    lines = [
        Line(
            id=x["id"],
            external_id=x["external_id"],
            quantity=x["quantity"],
            product_attributes=x["product_attributes"],
            expectations=[_to_container(c) for c in x["expectations"]],
            created_at=datetime.fromisoformat(x["created_at"]),
            updated_at=datetime.fromisoformat(x["updated_at"]),
            state=x["state"],
            status=x["status"],
            actuals=[_to_container(c) for c in x["actuals"]],
            attributes=x["attributes"],
            done=x["done"],
            short=x["short"],
            blocks=x["blocks"],
        )
        for x in data["lines"]
    ]
    return ServiceRequest(
        id=data["id"],
        external_id=data["external_id"],
        kind=RequestType(data["kind"]),
        lines=lines,
        attributes=data["attributes"],
        received_at=datetime.fromisoformat(data["received_at"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        state=State(data["state"]),
        actuals=[_to_container(c) for c in data["actuals"]],
        pps_id=data["pps_id"],
        bin_id=data["bin_id"],
        row_id=row_id,
        version=version,
    )


def _when(sr: ServiceRequest, name: str) -> datetime | None:
    value = (sr.attributes or {}).get(name)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def may_start(sr: ServiceRequest, now: datetime) -> bool:
    """Whether a pick may go to a station now (its window is open, or it is critical)."""
    row = _floor_row(sr)
    return row["pick_after"] is None or row["pick_after"] <= now or row["rank"] == 0


def _floor_row(sr: ServiceRequest) -> dict[str, Any]:
    rank = PRIORITIES.index(sr.priority) if sr.priority in PRIORITIES else 2
    return {
        "sr_id": sr.id,
        "kind": sr.kind.value,
        "state": sr.state.value,
        "rank": rank,
        "pick_after": _when(sr, "pick_after_time"),
        "pick_before": _when(sr, "pick_before_time"),
        "pps_id": sr.pps_id,
        "bin_id": sr.bin_id,
    }


# ---------------------------------------------------------------------- requests


async def _write_parts(conn: AsyncConnection, sr: ServiceRequest) -> None:
    await append_history(
        conn, dialect=NAME, tenant=TENANT, row_id=sr.row_id, events=sr.events, timers=sr.timers
    )


async def insert_request(conn: AsyncConnection, sr: ServiceRequest) -> None:
    """Store a new request; Conflict if its externalServiceRequestId is taken for its type."""
    try:
        async with conn.begin_nested():
            (row_id,) = await insert_rows(
                conn,
                [
                    new_row(
                        dialect=NAME,
                        tenant=TENANT,
                        number=sr.external_id,
                        kind=sr.kind.value.lower(),
                        state=sr.state.value,
                        created_at=sr.created_at,
                        updated_at=sr.updated_at,
                        data=encode(sr),
                    )
                ],
            )
            sr.row_id, sr.version = row_id, 1
            await conn.execute(
                insert(order_refs),
                [
                    _ref(sr.kind.value, sr.external_id, sr.row_id),
                    *(_ref(ID_REF, str(i), sr.row_id) for i in [sr.id, *(x.id for x in sr.lines)]),
                ],
            )
    except IntegrityError:
        raise Conflict(
            f"A {sr.kind.value} service request with externalServiceRequestId "
            f"'{sr.external_id}' already exists.",
            field="externalServiceRequestId",
        ) from None
    await conn.execute(insert(greymatter_orders), {"order_id": sr.row_id, **_floor_row(sr)})
    await _write_parts(conn, sr)


def _ref(kind: str, value: str, order_id: int) -> dict[str, Any]:
    return {"dialect": NAME, "scope": TENANT, "kind": kind, "value": value, "order_id": order_id}


async def add_line_refs(conn: AsyncConnection, sr: ServiceRequest, lines: list[Line]) -> None:
    """Make lines added by a modification addressable by id."""
    assert sr.row_id is not None
    if lines:
        await conn.execute(insert(order_refs), [_ref(ID_REF, str(x.id), sr.row_id) for x in lines])


async def update_request(conn: AsyncConnection, sr: ServiceRequest) -> None:
    """Store a changed request; ConcurrentChange if someone changed it since it was loaded."""
    assert sr.row_id is not None
    sr.version = await save_version(
        conn,
        sr.row_id,
        sr.version,
        f"service request {sr.id}",
        state=sr.state.value,
        updated_at=sr.updated_at,
        data=encode(sr),
    )
    await conn.execute(
        update(greymatter_orders)
        .where(greymatter_orders.c.order_id == sr.row_id)
        .values(_floor_row(sr))
    )
    await _write_parts(conn, sr)


async def _load_order(conn: AsyncConnection, row_id: int | None) -> ServiceRequest | None:
    if row_id is None:
        return None
    row = (
        await conn.execute(
            select(orders.c.data, orders.c.version).where(
                and_(orders.c.id == row_id, orders.c.dialect == NAME)
            )
        )
    ).first()
    return None if row is None else decode(row.data, row_id, row.version)


async def _ref_order(conn: AsyncConnection, kind: str, value: str) -> int | None:
    found = await conn.execute(
        select(order_refs.c.order_id).where(
            and_(
                order_refs.c.dialect == NAME,
                order_refs.c.scope == TENANT,
                order_refs.c.kind == kind,
                order_refs.c.value == value,
            )
        )
    )
    value_id = found.scalar()
    return None if value_id is None else int(value_id)


async def load(conn: AsyncConnection, sr_or_line_id: int) -> ServiceRequest | None:
    """The request with this id, or the one holding the line with this id."""
    return await _load_order(conn, await _ref_order(conn, ID_REF, str(sr_or_line_id)))


async def load_external(
    conn: AsyncConnection, kind: RequestType, external_id: str
) -> ServiceRequest | None:
    """The request of this type with this externalServiceRequestId."""
    return await _load_order(conn, await _ref_order(conn, kind.value, external_id))


async def load_row(conn: AsyncConnection, row_id: int) -> ServiceRequest | None:
    """The request stored in order row `row_id`."""
    return await _load_order(conn, row_id)


async def waiting(conn: AsyncConnection, now: datetime, limit: int) -> list[int]:
    """Order rows of fulfillable picks with no station yet, most urgent first.

    A pick waits for its `pick_after_time` unless it is critical; within a priority the
    earliest `pick_before_time` goes first, then the oldest request.
    """
    g = greymatter_orders
    query = (
        select(g.c.order_id)
        .where(
            g.c.state == State.FULFILLABLE.value,
            g.c.pps_id.is_(None),
            (g.c.pick_after.is_(None)) | (g.c.pick_after <= now) | (g.c.rank == 0),
        )
        .order_by(g.c.rank, g.c.pick_before.is_(None), g.c.pick_before, g.c.sr_id)
        .limit(limit)
    )
    return [int(r[0]) for r in await conn.execute(query)]


async def next_pick_after(conn: AsyncConnection, now: datetime) -> datetime | None:
    """When the next waiting pick's window opens, if one is still closed."""
    g = greymatter_orders
    value: datetime | None = (
        await conn.execute(
            select(g.c.pick_after)
            .where(
                g.c.state == State.FULFILLABLE.value,
                g.c.pps_id.is_(None),
                g.c.pick_after > now,
            )
            .order_by(g.c.pick_after)
            .limit(1)
        )
    ).scalar()
    return value


async def busy_bins(conn: AsyncConnection) -> set[tuple[int, int]]:
    """The station bins that hold a request."""
    g = greymatter_orders
    rows = await conn.execute(select(g.c.pps_id, g.c.bin_id).where(g.c.bin_id.is_not(None)))
    return {(int(r[0]), int(r[1])) for r in rows}


# ---------------------------------------------------------------------- stock


def product_key(attributes: dict[str, str]) -> str:
    """The canonical text of a product's attributes (its unique key)."""
    return orjson.dumps(attributes, option=orjson.OPT_SORT_KEYS).decode()


def _slot(row: Any) -> Slot:
    return Slot(
        id=int(row.id),
        attributes=row.attributes,
        quantity=row.quantity,
        blocked=row.blocked,
        subpack=row.subpack,
    )


def _locked(query: Any, conn: AsyncConnection) -> Any:
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


async def matching(conn: AsyncConnection, filters: list[Filter]) -> list[Slot]:
    """Stock that passes every filter, oldest first, locked for the caller's transaction."""
    s, a = greymatter_stock, greymatter_stock_attributes
    query = select(s).order_by(s.c.id)
    for f in filters:
        query = query.where(
            exists().where(a.c.stock_id == s.c.id, a.c.key == f.key, a.c.value.in_(f.values))
        )
    return [_slot(r) for r in await conn.execute(_locked(query, conn))]


async def slots(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, Slot]:
    """These stock rows, locked for the caller's transaction."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    s = greymatter_stock
    query = select(s).where(s.c.id.in_(wanted)).order_by(s.c.id)
    return {slot.id: slot for slot in map(_slot, await conn.execute(_locked(query, conn)))}


async def save_slots(conn: AsyncConnection, changed: Iterable[Slot], now: datetime) -> None:
    """Write back quantities and blocks."""
    s = greymatter_stock
    rows = [{"b_id": x.id, "b_quantity": x.quantity, "b_blocked": x.blocked} for x in changed]
    if rows:  # one executemany instead of a round trip per product
        await conn.execute(
            update(s)
            .where(s.c.id == bindparam("b_id"))
            .values(
                quantity=bindparam("b_quantity"), blocked=bindparam("b_blocked"), updated_at=now
            ),
            rows,
        )


async def slot_for(
    conn: AsyncConnection, attributes: dict[str, str], now: datetime, subpack: int = 1
) -> Slot:
    """The stock row of exactly this product, made (empty) if there is none."""
    s = greymatter_stock
    key = product_key(attributes)
    query = select(s).where(s.c.product == key)
    row = (await conn.execute(_locked(query, conn))).first()
    if row is not None:
        return _slot(row)
    try:
        async with conn.begin_nested():
            stock_id = (
                await conn.execute(
                    insert(s).returning(s.c.id),
                    {
                        "product": key,
                        "attributes": attributes,
                        "quantity": 0,
                        "blocked": 0,
                        "subpack": subpack,
                        "updated_at": now,
                    },
                )
            ).scalar_one()
            await conn.execute(
                insert(greymatter_stock_attributes),
                [{"stock_id": stock_id, "key": k, "value": v} for k, v in attributes.items()],
            )
    except IntegrityError:
        row = (await conn.execute(_locked(query, conn))).first()
        assert row is not None
        return _slot(row)
    return Slot(id=int(stock_id), attributes=attributes, quantity=0, subpack=subpack)


async def set_subpack(conn: AsyncConnection, slot_id: int, subpack: int) -> None:
    """Change how many eaches one subpack of a product holds."""
    s = greymatter_stock
    await conn.execute(update(s).where(s.c.id == slot_id).values(subpack=subpack))


async def list_stock(conn: AsyncConnection) -> list[Slot]:
    """Every stock row, oldest first."""
    s = greymatter_stock
    return [_slot(r) for r in await conn.execute(select(s).order_by(s.c.id))]


async def has_stock(conn: AsyncConnection) -> bool:
    """Whether the floor knows any product."""
    return (await conn.execute(select(greymatter_stock.c.id).limit(1))).first() is not None
