"""Faults at an operator's pick: what goes wrong, and by how many.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the pick columns."""
    with op.batch_alter_table("faults") as batch:
        batch.add_column(sa.Column("pick", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("pick_quantity", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("faults") as batch:
        batch.drop_column("pick_quantity")
        batch.drop_column("pick")
