"""ItemPath orders, lines and materials: the shared order row plus columns of their own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pickbay.core.errors import ConcurrentChange, Conflict
from pickbay.core.query import ListQuery
from pickbay.store import events as event_log
from pickbay.store import query as sql
from pickbay.store.orders import append_history, insert_rows, new_row, save_version
from pickbay.store.tables import orders, timers
from pickbay.vendors.itempath.model import (
    LINE_ATTRIBUTES,
    NAME,
    ORDER_ATTRIBUTES,
    STORAGE_UNIT,
    WAREHOUSE_NAME,
    Direction,
    ExportState,
    LiftLine,
    LiftOrder,
    LineStatus,
    OrderStatus,
    Stock,
    new_id,
)
from pickbay.vendors.itempath.tables import (
    itempath_fields,
    itempath_lines,
    itempath_orders,
    itempath_storage_units,
    itempath_transactions,
    materials,
)

TENANT = "default"  # one Power Pick installation per pickbay


def _split(
    values: dict[str, Any], columns: frozenset[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    cols = {name: values.get(name) for name in columns}
    data = {k: v for k, v in values.items() if k not in columns}
    return cols, data


def _order_row(order: LiftOrder) -> dict[str, Any]:
    cols, data = _split(order.fields, ORDER_ATTRIBUTES)
    cols["count_empty_locations"] = bool(cols["count_empty_locations"])
    return {
        "order_id": order.row_id,
        "uuid": order.id,
        "name": order.name,
        "direction_type": int(order.direction),
        "priority": order.priority,
        "status": order.status.value,
        "has_stock": order.has_stock,
        "incomplete_allocations": order.incomplete_allocations,
        "order_type": order.order_type,
        "allocate": order.allocate,
        "created_date": order.created_at,
        "modified_date": order.modified_at,
        "data": data,
        **cols,
    }


def _line_row(order: LiftOrder, line: LiftLine) -> dict[str, Any]:
    cols, data = _split(line.fields, LINE_ATTRIBUTES)
    return {
        "uuid": line.id,
        "order_id": order.row_id,
        "order_uuid": order.id,
        "direction_type": int(order.direction),
        "number": line.number,
        "material_uuid": line.material_id,
        "material_name": line.material_name,
        "quantity": line.quantity,
        "quantity_confirmed": line.quantity_confirmed,
        "quantity_deviated": line.quantity_deviated,
        "quantity_requested": line.quantity_requested,
        "allocated": line.allocated,
        "status": line.status.value,
        "modified_date": line.modified_at,
        "data": data,
        **cols,
    }


def _field_rows(order: LiftOrder, names: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"order_id": order.row_id, "name": name, "value": order.dynamic[name]} for name in names
    ]


async def _write_parts(conn: AsyncConnection, order: LiftOrder, fields: Iterable[str]) -> None:
    """New lines, the named custom fields, and the order's new events and timers."""
    new_lines = [_line_row(order, line) for line in order.lines if not line.stored]
    if new_lines:
        await conn.execute(insert(itempath_lines), new_lines)
    rows = _field_rows(order, fields)
    if rows:
        await conn.execute(insert(itempath_fields), rows)
    await append_history(
        conn,
        dialect=NAME,
        tenant=TENANT,
        row_id=order.row_id,
        events=order.events,
        timers=order.timers,
    )
    await _write_transactions(conn, order)
    for line in order.lines:
        line.stored = True
    order.changed_dynamic.clear()


async def insert_order(conn: AsyncConnection, order: LiftOrder) -> None:
    """Store a new order; Conflict if its name is taken."""
    try:
        (row_id,) = await insert_rows(
            conn,
            [
                new_row(
                    dialect=NAME,
                    tenant=TENANT,
                    number=order.name,
                    kind=order.direction.name.lower(),
                    state=order.status.value,
                    created_at=order.created_at,
                    updated_at=order.modified_at,
                    data={"uuid": order.id},
                )
            ],
        )
        order.row_id, order.version = row_id, 1
        await conn.execute(insert(itempath_orders), _order_row(order))
    except IntegrityError:
        raise Conflict(f"Order with name '{order.name}' already exists.", field="name") from None
    await _write_parts(conn, order, order.dynamic)


async def update_order(conn: AsyncConnection, order: LiftOrder) -> None:
    """Store a changed order; ConcurrentChange if someone changed it since it was loaded."""
    assert order.row_id is not None
    order.version = await save_version(
        conn,
        order.row_id,
        order.version,
        f"order {order.name}",
        number=order.name,
        kind=order.direction.name.lower(),
        state=order.status.value,
        updated_at=order.modified_at,
    )
    row = _order_row(order)
    del row["order_id"]
    try:
        await conn.execute(
            update(itempath_orders).where(itempath_orders.c.order_id == order.row_id).values(row)
        )
    except IntegrityError:
        raise Conflict(f"Order with name '{order.name}' already exists.", field="name") from None
    stored = [_line_row(order, line) for line in order.lines if line.stored]
    if stored:
        # One executemany for every stored line instead of deleting and inserting them all.
        await conn.execute(
            update(itempath_lines)
            .where(itempath_lines.c.uuid == bindparam("b_uuid"))
            .values({k: bindparam(f"b_{k}") for k in stored[0] if k != "uuid"}),
            [{f"b_{k}": v for k, v in row.items()} for row in stored],
        )
    if order.changed_dynamic:
        await conn.execute(
            delete(itempath_fields).where(
                itempath_fields.c.order_id == order.row_id,
                itempath_fields.c.name.in_(order.changed_dynamic),
            )
        )
    await _write_parts(conn, order, sorted(order.changed_dynamic))


async def delete_order(conn: AsyncConnection, order: LiftOrder) -> None:
    """Remove the order, its lines, fields and pending steps; its events stay in the log."""
    assert order.row_id is not None
    await conn.execute(delete(itempath_lines).where(itempath_lines.c.order_id == order.row_id))
    await conn.execute(delete(itempath_fields).where(itempath_fields.c.order_id == order.row_id))
    await conn.execute(delete(timers).where(timers.c.order_id == order.row_id))
    await conn.execute(delete(itempath_orders).where(itempath_orders.c.order_id == order.row_id))
    result = await conn.execute(
        delete(orders).where(and_(orders.c.id == order.row_id, orders.c.version == order.version))
    )
    if result.rowcount != 1:
        raise ConcurrentChange(f"order {order.name} was changed concurrently")
    await event_log.append(
        conn, dialect=NAME, tenant=TENANT, order_id=order.row_id, new=order.events
    )
    await _write_transactions(conn, order)


async def _write_transactions(conn: AsyncConnection, order: LiftOrder) -> None:
    """The order's new history rows, with their materials' Info1 as it is now."""
    if not order.history:
        return
    wanted = {row.material_id for row in order.history}
    found = await conn.execute(
        select(materials.c.uuid, materials.c.info1).where(materials.c.uuid.in_(wanted))
    )
    info1 = {uuid: info for uuid, info in found}
    await conn.execute(
        insert(itempath_transactions),
        [
            {
                "uuid": new_id(),
                "creation_date": row.at,
                "type": int(row.type),
                "motive_type": int(row.motive),
                "export_state_type": int(ExportState.READY),
                "direction_type": int(order.direction),
                "order_uuid": order.id,
                "order_name": order.name,
                "order_line_uuid": row.line_id,
                "line_number": row.line_number,
                "material_uuid": row.material_id,
                "material_name": row.material_name,
                "material_info1": info1.get(row.material_id),
                "quantity": row.quantity,
                "quantity_confirmed": row.quantity_confirmed,
                "quantity_deviated": row.quantity - row.quantity_confirmed,
                "lot": row.lot,
                "serial_number": row.serial_number,
                "handling_unit": order.fields.get("handling_unit"),
                "storage_unit_name": STORAGE_UNIT["name"],
                "warehouse_name": order.fields.get("warehouse_name") or WAREHOUSE_NAME,
            }
            for row in order.history
        ],
    )
    order.history.clear()


async def _page(
    conn: AsyncConnection,
    table: Table,
    query: ListQuery,
    tie: str,
    computed: sql.Computed | None = None,
) -> list[dict[str, Any]]:
    """One page of a table's rows matching `query`, by `tie` unless sorted otherwise."""
    (key,) = table.primary_key.columns
    page = (
        select(table)
        .where(*sql.where(table, query.conditions, computed=computed))
        .order_by(*sql.order_by(table, query.sort, tie, computed))
        .order_by(key)
        .limit(query.limit)
        .offset(query.offset)
    )
    return [dict(r) for r in (await conn.execute(page)).mappings()]


async def _count(
    conn: AsyncConnection,
    table: Table,
    query: ListQuery,
    computed: sql.Computed | None = None,
) -> int:
    """How many of a table's rows match `query`'s conditions."""
    where = sql.where(table, query.conditions, computed=computed)
    counted = select(func.count()).select_from(table).where(*where)
    return int((await conn.execute(counted)).scalar_one())


async def list_transactions(conn: AsyncConnection, query: ListQuery) -> list[dict[str, Any]]:
    """One page of transactions matching `query`, oldest first unless sorted otherwise."""
    return await _page(conn, itempath_transactions, query, "creation_date")


async def count_transactions(conn: AsyncConnection, query: ListQuery) -> int:
    """How many transactions match `query`'s conditions."""
    return await _count(conn, itempath_transactions, query)


async def load_transaction(conn: AsyncConnection, uuid: str) -> dict[str, Any] | None:
    """One transaction by id (any case), or None."""
    return await _by_uuid(conn, itempath_transactions, uuid)


async def list_storage_units(conn: AsyncConnection, query: ListQuery) -> list[dict[str, Any]]:
    """One page of storage units matching `query`, by name unless sorted otherwise."""
    return await _page(conn, itempath_storage_units, query, "name")


async def count_storage_units(conn: AsyncConnection, query: ListQuery) -> int:
    """How many storage units match `query`'s conditions."""
    return await _count(conn, itempath_storage_units, query)


async def load_storage_unit(conn: AsyncConnection, uuid: str) -> dict[str, Any] | None:
    """One storage unit by id (any case), or None."""
    return await _by_uuid(conn, itempath_storage_units, uuid)


async def _by_uuid(conn: AsyncConnection, table: Table, uuid: str) -> dict[str, Any] | None:
    found = (await conn.execute(select(table).where(table.c.uuid == uuid.upper()))).mappings()
    row = found.first()
    return None if row is None else dict(row)


async def set_export_state(conn: AsyncConnection, uuid: str, state: int) -> None:
    """Mark a transaction as exported (or not) for the host system."""
    table = itempath_transactions
    await conn.execute(update(table).where(table.c.uuid == uuid).values(export_state_type=state))


_ORDER_SELECT = select(itempath_orders, orders.c.version).join(
    orders, orders.c.id == itempath_orders.c.order_id
)


async def load(conn: AsyncConnection, uuid: str) -> LiftOrder | None:
    """The order with this id (live or processed), or None."""
    found = await _assemble(conn, _ORDER_SELECT.where(itempath_orders.c.uuid == uuid))
    return found[0] if found else None


async def load_row(conn: AsyncConnection, row_id: int) -> LiftOrder | None:
    """The order stored under this shared order id, or None."""
    found = await _assemble(conn, _ORDER_SELECT.where(itempath_orders.c.order_id == row_id))
    return found[0] if found else None


async def list_orders(conn: AsyncConnection, query: ListQuery) -> list[LiftOrder]:
    """One page of orders matching `query`, in its order."""
    page = (
        _ORDER_SELECT.where(*_order_where(query))
        .order_by(*sql.order_by(itempath_orders, query.sort, "order_id"))
        .limit(query.limit)
        .offset(query.offset)
    )
    return await _assemble(conn, page)


async def count_orders(conn: AsyncConnection, query: ListQuery) -> int:
    """How many orders match `query`'s conditions."""
    counted = select(func.count()).select_from(itempath_orders).where(*_order_where(query))
    return int((await conn.execute(counted)).scalar_one())


def _order_where(query: ListQuery) -> list[Any]:
    return sql.where(itempath_orders, query.conditions, fields=itempath_fields)


async def dynamic_field_exists(conn: AsyncConnection, name: str) -> bool:
    """Whether any order has ever set this custom field."""
    query = select(itempath_fields.c.order_id).where(itempath_fields.c.name == name).limit(1)
    return (await conn.execute(query)).first() is not None


async def _assemble(conn: AsyncConnection, query: Any) -> list[LiftOrder]:
    rows = (await conn.execute(query)).mappings().all()
    if not rows:
        return []
    ids = [r["order_id"] for r in rows]
    lines: dict[int, list[LiftLine]] = {i: [] for i in ids}
    line_rows = await conn.execute(
        select(itempath_lines)
        .where(itempath_lines.c.order_id.in_(ids))
        .order_by(itempath_lines.c.order_id, itempath_lines.c.number)
    )
    for r in line_rows.mappings():
        lines[r["order_id"]].append(_to_line(r))
    dynamic: dict[int, dict[str, str | None]] = {i: {} for i in ids}
    field_rows = await conn.execute(
        select(itempath_fields)
        .where(itempath_fields.c.order_id.in_(ids))
        .order_by(itempath_fields.c.order_id, itempath_fields.c.name)
    )
    for r in field_rows.mappings():
        dynamic[r["order_id"]][r["name"]] = r["value"]
    return [_to_order(r, lines[r["order_id"]], dynamic[r["order_id"]]) for r in rows]


def _to_order(row: Any, lines: list[LiftLine], dynamic: dict[str, str | None]) -> LiftOrder:
    fields = {name: row[name] for name in ORDER_ATTRIBUTES}
    fields.update(row["data"])
    return LiftOrder(
        id=row["uuid"],
        name=row["name"],
        direction=Direction(row["direction_type"]),
        created_at=row["created_date"],
        modified_at=row["modified_date"],
        lines=lines,
        status=OrderStatus(row["status"]),
        priority=row["priority"],
        allocate=row["allocate"],
        has_stock=row["has_stock"],
        incomplete_allocations=row["incomplete_allocations"],
        order_type=row["order_type"],
        fields=fields,
        dynamic=dynamic,
        row_id=int(row["order_id"]),
        version=row["version"],
    )


def _to_line(row: Any) -> LiftLine:
    fields = {name: row[name] for name in LINE_ATTRIBUTES}
    fields.update(row["data"])
    return LiftLine(
        id=row["uuid"],
        number=row["number"],
        material_id=row["material_uuid"],
        material_name=row["material_name"],
        quantity=row["quantity"],
        modified_at=row["modified_date"],
        status=LineStatus(row["status"]),
        quantity_confirmed=row["quantity_confirmed"],
        quantity_requested=row["quantity_requested"],
        allocated=row["allocated"],
        fields=fields,
        stored=True,
    )


# ---------------------------------------------------------------------- order lines


async def list_lines(conn: AsyncConnection, query: ListQuery) -> list[tuple[LiftLine, str, int]]:
    """One page of lines matching `query`: each with its order's id and direction."""
    page = (
        select(itempath_lines)
        .where(*sql.where(itempath_lines, query.conditions))
        .order_by(*sql.order_by(itempath_lines, query.sort, "order_id"))
        .order_by(itempath_lines.c.number)
        .limit(query.limit)
        .offset(query.offset)
    )
    rows = (await conn.execute(page)).mappings()
    return [(_to_line(r), r["order_uuid"], r["direction_type"]) for r in rows]


async def count_lines(conn: AsyncConnection, query: ListQuery) -> int:
    """How many lines match `query`'s conditions."""
    counted = (
        select(func.count())
        .select_from(itempath_lines)
        .where(*sql.where(itempath_lines, query.conditions))
    )
    return int((await conn.execute(counted)).scalar_one())


async def order_of_line(conn: AsyncConnection, line_uuid: str) -> str | None:
    """The id of the order that holds this line."""
    query = select(itempath_lines.c.order_uuid).where(itempath_lines.c.uuid == line_uuid)
    found: str | None = (await conn.execute(query)).scalar()
    return found


# ------------------------------------------------------------------------ materials


def _to_stock(row: Any) -> Stock:
    return Stock(
        material_id=row["uuid"],
        name=row["name"],
        current=row["current_quantity"],
        pick=row["pick_quantity"],
        put=row["put_quantity"],
    )


async def lock_stock(conn: AsyncConnection, material_ids: Iterable[str]) -> dict[str, Stock]:
    """The stock of these materials, locked until the transaction ends (on PostgreSQL)."""
    ids = sorted(set(material_ids))
    if not ids:
        return {}
    query = (
        select(materials)
        .where(materials.c.uuid.in_(ids))
        .order_by(materials.c.uuid)
        .with_for_update()
    )
    return {r["uuid"]: _to_stock(r) for r in (await conn.execute(query)).mappings()}


async def save_stock(conn: AsyncConnection, stock: Iterable[Stock], now: datetime) -> None:
    """Write back quantities changed in the transaction that locked them."""
    for item in stock:
        await conn.execute(
            update(materials)
            .where(materials.c.uuid == item.material_id)
            .values(
                current_quantity=item.current,
                pick_quantity=item.pick,
                put_quantity=item.put,
                modified_date=now,
            )
        )


async def find_materials(
    conn: AsyncConnection, ids: Sequence[str], names: Sequence[str]
) -> list[dict[str, Any]]:
    """Materials by id or by name (whichever matches)."""
    if not ids and not names:
        return []
    query = select(materials).where(materials.c.uuid.in_(ids) | materials.c.name.in_(names))
    return [dict(r) for r in (await conn.execute(query)).mappings()]


async def load_material(conn: AsyncConnection, key: str) -> dict[str, Any] | None:
    """A material by id or name."""
    found = await find_materials(conn, [key], [key])
    return found[0] if found else None


async def insert_material(conn: AsyncConnection, row: dict[str, Any]) -> None:
    """Store a new material; Conflict if its name is taken."""
    try:
        await conn.execute(insert(materials), row)
    except IntegrityError:
        raise Conflict(
            f"Material with name '{row['name']}' already exists.", field="name"
        ) from None


async def update_material(conn: AsyncConnection, uuid: str, values: dict[str, Any]) -> None:
    """Change a material's attributes; Conflict on a taken name."""
    try:
        await conn.execute(update(materials).where(materials.c.uuid == uuid).values(values))
    except IntegrityError:
        raise Conflict(
            f"Material with name '{values.get('name')}' already exists.", field="name"
        ) from None


async def material_in_use(conn: AsyncConnection, uuid: str) -> bool:
    """Whether any order line names this material."""
    query = select(itempath_lines.c.uuid).where(itempath_lines.c.material_uuid == uuid).limit(1)
    return (await conn.execute(query)).first() is not None


async def delete_material(conn: AsyncConnection, uuid: str) -> None:
    """Remove a material."""
    await conn.execute(delete(materials).where(materials.c.uuid == uuid))


# Figures ItemPath derives from the stored quantities, filterable and sortable like columns.
MATERIAL_FIGURES: sql.Computed = {
    "expected_quantity": materials.c.current_quantity + materials.c.put_quantity,
    "net_quantity": materials.c.current_quantity
    + materials.c.put_quantity
    - materials.c.pick_quantity,
}


async def list_materials(conn: AsyncConnection, query: ListQuery) -> list[dict[str, Any]]:
    """One page of materials matching `query`."""
    return await _page(conn, materials, query, "creation_date", MATERIAL_FIGURES)


async def count_materials(conn: AsyncConnection, query: ListQuery) -> int:
    """How many materials match `query`'s conditions."""
    return await _count(conn, materials, query, MATERIAL_FIGURES)
