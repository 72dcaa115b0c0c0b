"""The schema: one set of tables shared by every dialect."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from pickbay.store.types import BigId, Json, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dialect", String(32), nullable=False),
    Column("tenant", String(100), nullable=False),
    Column("number", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("data", Json, nullable=False),
    Index(None, "dialect", "tenant", "state", "id"),
    Index(None, "dialect", "tenant", "created_at"),
)

# Every way an order can be addressed (order number per tenant, pickup code, storage code,
# an origin's own order number): one row each, unique, so look-ups and duplicates are SQL.
order_refs = Table(
    "order_refs",
    metadata,
    Column("dialect", String(32), primary_key=True),
    Column("scope", String(100), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False, index=True),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("sku", String(200), nullable=False),
    Column("name", String(500), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("state", String(32), nullable=False),
    Column("data", Json, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("tenant", String(100), nullable=False),
    Column("order_id", BigId, nullable=True, index=True),
    Column("type", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Index(None, "tenant", "seq"),
)

timers = Table(
    "timers",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("order_id", BigId, nullable=True, index=True),
    Column("payload", Json, nullable=False),
    Index(None, "due_at", "id"),
)

clock = Table(
    "clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("anchor", UtcDateTime, nullable=False),
    Column("wall_anchor", UtcDateTime, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("speed", Float, nullable=False),
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
    Column("deadline", UtcDateTime),
    Column("warehouse_name", String(50)),
    Column("owner", String(50)),
    Column("recipient", String(50)),
    Column("unit", String(50)),
    Column("handling_unit", String(50)),
    Column("created_date", UtcDateTime, nullable=False),
    Column("modified_date", UtcDateTime, nullable=False),
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
    Column("modified_date", UtcDateTime, nullable=False),
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
    Column("creation_date", UtcDateTime, nullable=False),
    Column("modified_date", UtcDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Server secrets shared by every process (the token signing key), made once on first start.
secrets = Table(
    "secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

# GreyMatter service requests: the whole request lives in `orders.data`; these columns are
# what the floor's dispatcher orders and filters by.
greymatter_orders = Table(
    "greymatter_orders",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True),
    Column("sr_id", BigId, nullable=False, unique=True),
    Column("kind", String(8), nullable=False),
    Column("state", String(32), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("pick_after", UtcDateTime),
    Column("pick_before", UtcDateTime),
    Column("pps_id", Integer),
    Column("bin_id", Integer),
    Index(None, "state", "rank", "pick_before", "sr_id"),
    Index(None, "pps_id", "bin_id"),
)

# One row per id handed out: service requests, lines, containers, products, transactions
# share one increasing sequence, so an id never names two things.
greymatter_ids = Table(
    "greymatter_ids",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("made", Integer, nullable=False),
)

greymatter_stock = Table(
    "greymatter_stock",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("product", String(1000), nullable=False, unique=True),  # canonical attributes
    Column("attributes", Json, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("blocked", Integer, nullable=False),
    Column("subpack", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Each stock attribute as a row, so every filter_parameters filter is an indexed EXISTS.
greymatter_stock_attributes = Table(
    "greymatter_stock_attributes",
    metadata,
    Column("stock_id", BigId, ForeignKey("greymatter_stock.id"), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", String(200), nullable=False),
    Index(None, "key", "value"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("url", String(2000), nullable=False),
    Column("secret", String(200), nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The outbox: one row per notification per subscription, sent in id order per order key.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subscription_id", BigId, ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_seq", BigId),  # NULL on a manual redelivery (a copy)
    Column("redelivery_of", BigId),
    Column("notification_id", String(100), nullable=False),
    Column("order_key", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    Index(None, "subscription_id", "event_seq", unique=True),
    Index(None, "state", "next_attempt_at", "id"),
    Index(None, "subscription_id", "order_key", "state", "id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", BigId, ForeignKey("webhook_deliveries.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("status", Integer),
    Column("error", String(500)),
    Column("duration_ms", Float, nullable=False),
)

# Durable read positions in the event log of consumers that must survive restarts.
cursors = Table(
    "cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seq", BigId, nullable=False),
)
