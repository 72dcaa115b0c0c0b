"""Faults an integrator injects on purpose.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the faults table."""
    op.create_table(
        "faults",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("vendor", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("tenant", sa.String(length=100), nullable=True),
        sa.Column("offline", sa.Boolean(), nullable=False),
        sa.Column("drop", sa.Boolean(), nullable=False),
        sa.Column("webhook", sa.String(length=16), nullable=True),
        sa.Column("late_seconds", sa.Float(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("delay_ms", sa.Integer(), nullable=False),
        sa.Column("retry_after", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faults")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("faults")
