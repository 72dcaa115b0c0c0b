"""ItemPath's tables: orders' filterable attributes, custom fields, lines, materials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table
from sqlalchemy.engine import Dialect

from pickbay.store.tables import metadata
from pickbay.store.types import BigId, Json, UtcDateTime
from pickbay.vendors.itempath.model import power_pick_time


class PowerPickDateTime(UtcDateTime):
    """A UTC time as Power Pick's SQL Server `datetime` keeps it, written and compared so."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return super().process_bind_param(
            None if value is None else power_pick_time(value), dialect
        )


# ItemPath keeps each order's filterable attributes in columns of their own, so every list
# filter and sort compiles to SQL on an index; the shared `orders` row holds identity, state
# and the optimistic-lock version.
itempath_orders = Table(
    "itempath_orders",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("direction_type", Integer, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("has_stock", Integer, nullable=False),
    Column("incomplete_allocations", Integer, nullable=False),
    Column("order_type", Integer, nullable=False),
    Column("allocate", Boolean, nullable=False),
    Column("count_empty_locations", Boolean, nullable=False),
    Column("info1", String(80)),
    Column("info2", String(80)),
    Column("info3", String(80)),
    Column("info4", String(80)),
    Column("info5", String(80)),
    Column("deadline", PowerPickDateTime),
    Column("warehouse_name", String(50)),
    Column("owner", String(50)),
    Column("recipient", String(50)),
    Column("unit", String(50)),
    Column("handling_unit", String(50)),
    Column("created_date", PowerPickDateTime, nullable=False),
    Column("modified_date", PowerPickDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Index(None, "status", "order_id"),
    Index(None, "status", "modified_date", "order_id"),
    Index(None, "modified_date", "order_id"),
    Index(None, "deadline"),
    Index(None, "direction_type", "status"),
    Index(None, "priority"),
)

# Dynamic (custom) order fields: one row per field, so any of them filters in SQL.
itempath_fields = Table(
    "itempath_fields",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("value", String(1999)),
    Index(None, "name", "order_id"),
)

itempath_lines = Table(
    "itempath_lines",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False),
    Column("order_uuid", String(36), nullable=False),
    Column("direction_type", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("material_uuid", String(36), nullable=False),
    Column("material_name", String(50), nullable=False),
    Column("quantity", Float, nullable=False),
    Column("quantity_confirmed", Float, nullable=False),
    Column("quantity_deviated", Float, nullable=False),
    Column("quantity_requested", Float, nullable=False),
    Column("allocated", Float, nullable=False),
    Column("lot", String(50)),
    Column("serial_number", String(50)),
    Column("qualification", String(50)),
    Column("host_identification", String(50)),
    Column("info1", String(80)),
    Column("info2", String(80)),
    Column("info3", String(80)),
    Column("info4", String(80)),
    Column("info5", String(80)),
    Column("status", String(32), nullable=False),
    Column("modified_date", PowerPickDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Index(None, "order_id", "number", unique=True),
    Index(None, "order_uuid"),
    Index(None, "material_uuid"),
)

materials = Table(
    "materials",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("description", String(200)),
    Column("unit_of_measure", String(50)),
    Column("info1", String(80)),
    Column("info2", String(80)),
    Column("info3", String(80)),
    Column("info4", String(80)),
    Column("info5", String(80)),
    Column("current_quantity", Float, nullable=False),
    Column("pick_quantity", Float, nullable=False),
    Column("put_quantity", Float, nullable=False),
    Column("is_blocked", Integer, nullable=False),
    Column("creation_date", PowerPickDateTime, nullable=False),
    Column("modified_date", PowerPickDateTime, nullable=False),
)

# Power Pick's History table: one row per thing done to a line (confirmed, short, deleted),
# kept when the order is gone; `export_state_type` is the one column a host system changes.
itempath_transactions = Table(
    "itempath_transactions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("creation_date", PowerPickDateTime, nullable=False),
    Column("type", Integer, nullable=False),
    Column("motive_type", Integer, nullable=False),
    Column("export_state_type", Integer, nullable=False),
    Column("direction_type", Integer, nullable=False),
    Column("order_uuid", String(36), nullable=False),
    Column("order_name", String(50), nullable=False),
    Column("order_line_uuid", String(36), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("material_uuid", String(36), nullable=False),
    Column("material_name", String(50), nullable=False),
    Column("material_info1", String(80)),
    Column("quantity", Float, nullable=False),
    Column("quantity_confirmed", Float, nullable=False),
    Column("quantity_deviated", Float, nullable=False),
    Column("lot", String(50)),
    Column("serial_number", String(50)),
    Column("handling_unit", String(50)),
    Column("storage_unit_name", String(50), nullable=False),
    Column("warehouse_name", String(50), nullable=False),
    Index(None, "creation_date", "id"),
    Index(None, "export_state_type", "creation_date"),
    Index(None, "order_uuid"),
)

# The installation's storage units, as Power Pick lists them ("Storage Units" of the ItemPath
# API reference): the sandbox has one, its lift module, written by migration 0011.
itempath_storage_units = Table(
    "itempath_storage_units",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("description", String(80)),
    Column("type", Integer, nullable=False),
    Column("warehouse_uuid", String(36), nullable=False),
    Column("depth_steps", Integer),
    Column("width_steps", Integer),
    Column("gross_depth", Integer),
    Column("gross_width", Integer),
    Column("net_depth", Integer),
    Column("net_width", Integer),
    Column("max_weight", Integer),
    Column("is_manual_sequence_numbers", Integer, nullable=False),
)
