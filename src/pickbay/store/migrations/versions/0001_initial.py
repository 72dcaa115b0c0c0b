"""Initial schema: tenants, keys, orders, refs, lines, events, timers, clock.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("name", name="uq_tenants_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_api_keys_tenant_id_tenants"
        ),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_table(
        "orders",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("dialect", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    op.create_index(
        "ix_orders_dialect_tenant_state_id", "orders", ["dialect", "tenant", "state", "id"]
    )
    op.create_index(
        "ix_orders_dialect_tenant_created_at", "orders", ["dialect", "tenant", "created_at"]
    )
    op.create_table(
        "order_refs",
        sa.Column("dialect", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.PrimaryKeyConstraint("dialect", "scope", "kind", "value", name="pk_order_refs"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_refs_order_id_orders"),
    )
    op.create_index("ix_order_refs_order_id", "order_refs", ["order_id"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "number", name="pk_order_lines"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order_id_orders"),
    )
    op.create_table(
        "events",
        sa.Column("seq", BigId, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("dialect", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.Column("order_id", BigId, nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
    )
    op.create_index("ix_events_order_id", "events", ["order_id"])
    op.create_index("ix_events_tenant_seq", "events", ["tenant", "seq"])
    op.create_table(
        "timers",
        sa.Column("id", BigId, autoincrement=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("order_id", BigId, nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_timers"),
    )
    op.create_index("ix_timers_order_id", "timers", ["order_id"])
    op.create_index("ix_timers_due_at_id", "timers", ["due_at", "id"])
    op.create_table(
        "clock",
        sa.Column("id", sa.Integer(), autoincrement=False),
        sa.Column("anchor", sa.DateTime(), nullable=False),
        sa.Column("wall_anchor", sa.DateTime(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clock"),
    )


def downgrade() -> None:
    """Drop every table."""
    for name in (
        "clock",
        "timers",
        "events",
        "order_lines",
        "order_refs",
        "orders",
        "api_keys",
        "tenants",
    ):
        op.drop_table(name)
