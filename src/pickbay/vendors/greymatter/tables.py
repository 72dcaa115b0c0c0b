"""GreyMatter's tables: service requests' dispatch columns, ids, stock and its attributes."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from pickbay.store.tables import metadata
from pickbay.store.types import BigId, Json, UtcDateTime

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

# The platform's users (a pre-shared username and password fetches an OAuth token).
greymatter_users = Table(
    "greymatter_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
