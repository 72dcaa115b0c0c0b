"""One deployment of many processes: the clock's version, processes, role leases, claims.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Version the clock; add the process and lease tables; let senders claim deliveries."""
    with op.batch_alter_table("clock") as batch:
        batch.add_column(sa.Column("version", BigId, nullable=False, server_default="1"))
    op.create_table(
        "processes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("clock_version", BigId, nullable=False),
        sa.Column("relay_cursor", BigId, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
    )
    op.create_table(
        "leases",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=False),
        sa.Column("token", BigId, nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("progress_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_leases")),
    )
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
    op.create_index(op.f("ix_webhook_deliveries_claimed_by"), "webhook_deliveries", ["claimed_by"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index(op.f("ix_webhook_deliveries_claimed_by"), table_name="webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
    op.drop_table("leases")
    op.drop_table("processes")
    with op.batch_alter_table("clock") as batch:
        batch.drop_column("version")
