"""ItemPath's storage units, with the sandbox's lift module.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The simulated installation's lift module: the id and name orders already show, in the one
# warehouse (docs/itempath.md says which figures are the sandbox's own).
LIFT_MODULE = {
    "uuid": "CA1E5648-FA38-416F-9604-CF33A6763496",
    "name": "VLM-01",
    "description": "Vertical lift module",
    "type": 5,
    "warehouse_uuid": "6C5C8E1B-6A0F-4C39-9E8B-2F3D4A1B7C10",
    "depth_steps": 1,
    "width_steps": 8,
    "gross_depth": 864,
    "gross_width": 4100,
    "net_depth": 858,
    "net_width": 4050,
    "max_weight": 60_000_000,
    "is_manual_sequence_numbers": 0,
}


def upgrade() -> None:
    """Create the storage units table and write the lift module into it."""
    table = op.create_table(
        "itempath_storage_units",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=80), nullable=True),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("warehouse_uuid", sa.String(length=36), nullable=False),
        sa.Column("depth_steps", sa.Integer(), nullable=True),
        sa.Column("width_steps", sa.Integer(), nullable=True),
        sa.Column("gross_depth", sa.Integer(), nullable=True),
        sa.Column("gross_width", sa.Integer(), nullable=True),
        sa.Column("net_depth", sa.Integer(), nullable=True),
        sa.Column("net_width", sa.Integer(), nullable=True),
        sa.Column("max_weight", sa.Integer(), nullable=True),
        sa.Column("is_manual_sequence_numbers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_itempath_storage_units")),
        sa.UniqueConstraint("name", name=op.f("uq_itempath_storage_units_name")),
    )
    op.bulk_insert(table, [LIFT_MODULE])


def downgrade() -> None:
    """Drop it."""
    op.drop_table("itempath_storage_units")
