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
