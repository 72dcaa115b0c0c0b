"""Slow machine steps and late realtime pushes: a fault's factor and push delay, and when a
timer's step was planned (what a slow step's duration is measured from).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns."""
    with op.batch_alter_table("faults") as batch:
        batch.add_column(sa.Column("slow", sa.Float(), nullable=True))
        batch.add_column(sa.Column("push_delay_ms", sa.Integer(), nullable=True))
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("planned_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("planned_at")
    with op.batch_alter_table("faults") as batch:
        batch.drop_column("push_delay_ms")
        batch.drop_column("slow")
