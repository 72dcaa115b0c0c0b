"""ItemPath: orders with filterable columns, dynamic fields, lines, materials, users, secrets.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _info() -> list[sa.Column[str]]:
    return [sa.Column(f"info{n}", sa.String(80)) for n in range(1, 6)]


def upgrade() -> None:
    """Create the ItemPath tables."""
    op.create_table(
        "itempath_orders",
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("direction_type", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("has_stock", sa.Integer(), nullable=False),
        sa.Column("incomplete_allocations", sa.Integer(), nullable=False),
        sa.Column("order_type", sa.Integer(), nullable=False),
        sa.Column("allocate", sa.Boolean(), nullable=False),
        sa.Column("count_empty_locations", sa.Boolean(), nullable=False),
        *_info(),
        sa.Column("deadline", sa.DateTime()),
        sa.Column("warehouse_name", sa.String(50)),
        sa.Column("owner", sa.String(50)),
        sa.Column("recipient", sa.String(50)),
        sa.Column("unit", sa.String(50)),
        sa.Column("handling_unit", sa.String(50)),
        sa.Column("created_date", sa.DateTime(), nullable=False),
        sa.Column("modified_date", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_itempath_orders"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_itempath_orders_order_id_orders"
        ),
        sa.UniqueConstraint("uuid", name="uq_itempath_orders_uuid"),
        sa.UniqueConstraint("name", name="uq_itempath_orders_name"),
    )
    for columns in (
        ["status", "order_id"],
        ["status", "modified_date", "order_id"],
        ["modified_date", "order_id"],
        ["deadline"],
        ["direction_type", "status"],
        ["priority"],
    ):
        op.create_index(f"ix_itempath_orders_{'_'.join(columns)}", "itempath_orders", columns)
    op.create_table(
        "itempath_fields",
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.String(1999)),
        sa.PrimaryKeyConstraint("order_id", "name", name="pk_itempath_fields"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_itempath_fields_order_id_orders"
        ),
    )
    op.create_index("ix_itempath_fields_name_order_id", "itempath_fields", ["name", "order_id"])
    op.create_table(
        "itempath_lines",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("order_uuid", sa.String(36), nullable=False),
        sa.Column("direction_type", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("material_uuid", sa.String(36), nullable=False),
        sa.Column("material_name", sa.String(50), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("quantity_confirmed", sa.Float(), nullable=False),
        sa.Column("quantity_deviated", sa.Float(), nullable=False),
        sa.Column("quantity_requested", sa.Float(), nullable=False),
        sa.Column("allocated", sa.Float(), nullable=False),
        sa.Column("lot", sa.String(50)),
        sa.Column("serial_number", sa.String(50)),
        sa.Column("qualification", sa.String(50)),
        sa.Column("host_identification", sa.String(50)),
        *_info(),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("modified_date", sa.DateTime(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name="pk_itempath_lines"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_itempath_lines_order_id_orders"
        ),
    )
    op.create_index(
        "ix_itempath_lines_order_id_number", "itempath_lines", ["order_id", "number"], unique=True
    )
    op.create_index("ix_itempath_lines_order_uuid", "itempath_lines", ["order_uuid"])
    op.create_index("ix_itempath_lines_material_uuid", "itempath_lines", ["material_uuid"])
    op.create_table(
        "materials",
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("unit_of_measure", sa.String(50)),
        *_info(),
        sa.Column("current_quantity", sa.Float(), nullable=False),
        sa.Column("pick_quantity", sa.Float(), nullable=False),
        sa.Column("put_quantity", sa.Float(), nullable=False),
        sa.Column("is_blocked", sa.Integer(), nullable=False),
        sa.Column("creation_date", sa.DateTime(), nullable=False),
        sa.Column("modified_date", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name="pk_materials"),
        sa.UniqueConstraint("name", name="uq_materials_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_secrets"),
    )


def downgrade() -> None:
    """Drop the ItemPath tables."""
    for name in (
        "secrets",
        "users",
        "materials",
        "itempath_lines",
        "itempath_fields",
        "itempath_orders",
    ):
        op.drop_table(name)
