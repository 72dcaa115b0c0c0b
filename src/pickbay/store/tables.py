"""The shared schema: tables every vendor uses (each vendor adds its own to `metadata`)."""

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

NAME_MAX = 100  # a tenant's name, an origin
SCOPE_MAX = 2 * NAME_MAX + 1

tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(NAME_MAX), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", Integer, ForeignKey("tenants.id"), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    # The API client the key speaks as, inside its tenant (Pickup Cloud's `origin`), if any.
    Column("origin", String(NAME_MAX), nullable=True),
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
# an origin's own order number inside its tenant): one row each, unique, so look-ups and
# duplicates are SQL. A scope is a tenant, or a tenant and an origin (hence its width).
order_refs = Table(
    "order_refs",
    metadata,
    Column("dialect", String(32), primary_key=True),
    Column("scope", String(SCOPE_MAX), primary_key=True),
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
    Column("planned_at", UtcDateTime),  # when a step that takes time was planned
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
    # Bumped on every change, so a process knows whether the state it holds is the newest.
    Column("version", BigId, nullable=False, server_default="1"),
    # The process fast-forwarding the clock now, if one is (the others hold their writes).
    Column("advancing_by", String(32)),
)

# The processes of the deployment: each one's heartbeat (wall time) and what it has caught up on.
processes = Table(
    "processes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False),
    Column("clock_version", BigId, nullable=False),
    Column("relay_cursor", BigId, nullable=False),
    Column("connections", Integer, nullable=False, server_default="0"),  # realtime clients
)

# Roles that one process at a time holds (the scheduler, the webhook sender), by lease.
leases = Table(
    "leases",
    metadata,
    Column("role", String(32), primary_key=True),
    Column("holder", String(32), nullable=False),
    Column("token", BigId, nullable=False),  # the fencing token: +1 on every change of holder
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("progress_at", UtcDateTime),
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
    Column("claimed_by", String(32)),  # the process sending it right now, until claimed_until
    Column("claimed_until", UtcDateTime),  # wall time
    Index(None, "subscription_id", "event_seq", unique=True),
    Index(None, "state", "next_attempt_at", "id"),
    Index(None, "subscription_id", "order_key", "state", "id"),
    Index(None, "claimed_by"),
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


# Faults an integrator injects (core/faults.py): deployment state, like the clock.
faults = Table(
    "faults",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("vendor", String(32)),
    Column("method", String(16)),
    Column("path", String(1000), nullable=False),
    Column("tenant", String(NAME_MAX)),
    Column("offline", Boolean, nullable=False),
    Column("drop", Boolean, nullable=False),
    Column("webhook", String(16)),
    Column("late_seconds", Float),
    Column("status", Integer),
    Column("delay_ms", Integer, nullable=False),
    Column("retry_after", Integer),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime),
    Column("remaining", Integer),
    Column("probability", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("matched", Integer, nullable=False),
    Column("fired", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("pick", String(32)),
    Column("pick_quantity", Integer),
    Column("slow", Float),
    Column("push_delay_ms", Integer),
)
