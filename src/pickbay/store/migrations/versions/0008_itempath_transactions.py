"""ItemPath's transactions: Power Pick's history of what was done to each order line.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the transactions table."""
    op.create_table(
        "itempath_transactions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("creation_date", sa.DateTime(), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("motive_type", sa.Integer(), nullable=False),
        sa.Column("export_state_type", sa.Integer(), nullable=False),
        sa.Column("direction_type", sa.Integer(), nullable=False),
        sa.Column("order_uuid", sa.String(length=36), nullable=False),
        sa.Column("order_name", sa.String(length=50), nullable=False),
        sa.Column("order_line_uuid", sa.String(length=36), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("material_uuid", sa.String(length=36), nullable=False),
        sa.Column("material_name", sa.String(length=50), nullable=False),
        sa.Column("material_info1", sa.String(length=80), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("quantity_confirmed", sa.Float(), nullable=False),
        sa.Column("quantity_deviated", sa.Float(), nullable=False),
        sa.Column("lot", sa.String(length=50), nullable=True),
        sa.Column("serial_number", sa.String(length=50), nullable=True),
        sa.Column("handling_unit", sa.String(length=50), nullable=True),
        sa.Column("storage_unit_name", sa.String(length=50), nullable=False),
        sa.Column("warehouse_name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_itempath_transactions")),
        sa.UniqueConstraint("uuid", name=op.f("uq_itempath_transactions_uuid")),
    )
    with op.batch_alter_table("itempath_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_itempath_transactions_creation_date_id"),
            ["creation_date", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_itempath_transactions_export_state_type_creation_date"),
            ["export_state_type", "creation_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_itempath_transactions_order_uuid"), ["order_uuid"], unique=False
        )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("itempath_transactions")
