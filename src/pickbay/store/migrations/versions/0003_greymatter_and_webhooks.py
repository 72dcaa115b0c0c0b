"""GreyMatter service requests and stock; webhook subscriptions, deliveries, attempts; cursors.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the GreyMatter and webhook tables."""
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cursors")),
    )
    op.create_table(
        "greymatter_ids",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("made", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_greymatter_ids")),
    )
    op.create_table(
        "greymatter_stock",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("product", sa.String(length=1000), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.Column("subpack", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_greymatter_stock")),
        sa.UniqueConstraint("product", name=op.f("uq_greymatter_stock_product")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("dialect", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "greymatter_orders",
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("sr_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("pick_after", sa.DateTime(), nullable=True),
        sa.Column("pick_before", sa.DateTime(), nullable=True),
        sa.Column("pps_id", sa.Integer(), nullable=True),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_greymatter_orders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_greymatter_orders")),
        sa.UniqueConstraint("sr_id", name=op.f("uq_greymatter_orders_sr_id")),
    )
    with op.batch_alter_table("greymatter_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_greymatter_orders_pps_id_bin_id"), ["pps_id", "bin_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_greymatter_orders_state_rank_pick_before_sr_id"),
            ["state", "rank", "pick_before", "sr_id"],
            unique=False,
        )

    op.create_table(
        "greymatter_stock_attributes",
        sa.Column("stock_id", BigId, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["stock_id"],
            ["greymatter_stock.id"],
            name=op.f("fk_greymatter_stock_attributes_stock_id_greymatter_stock"),
        ),
        sa.PrimaryKeyConstraint("stock_id", "key", name=op.f("pk_greymatter_stock_attributes")),
    )
    with op.batch_alter_table("greymatter_stock_attributes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_greymatter_stock_attributes_key_value"), ["key", "value"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("subscription_id", BigId, nullable=False),
        sa.Column("event_seq", BigId, nullable=True),
        sa.Column("redelivery_of", BigId, nullable=True),
        sa.Column("notification_id", sa.String(length=100), nullable=False),
        sa.Column("order_key", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_webhook_deliveries_subscription_id_webhook_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_state_next_attempt_at_id"),
            ["state", "next_attempt_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id_event_seq"),
            ["subscription_id", "event_seq"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_subscription_id_order_key_state_id"),
            ["subscription_id", "order_key", "state", "id"],
            unique=False,
        )

    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_id"), ["delivery_id"], unique=False
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_id"))

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_subscription_id_order_key_state_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_subscription_id_event_seq"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_state_next_attempt_at_id"))

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("greymatter_stock_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_greymatter_stock_attributes_key_value"))

    op.drop_table("greymatter_stock_attributes")
    with op.batch_alter_table("greymatter_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_greymatter_orders_state_rank_pick_before_sr_id"))
        batch_op.drop_index(batch_op.f("ix_greymatter_orders_pps_id_bin_id"))

    op.drop_table("greymatter_orders")
    op.drop_table("webhook_subscriptions")
    op.drop_table("greymatter_stock")
    op.drop_table("greymatter_ids")
    op.drop_table("cursors")
