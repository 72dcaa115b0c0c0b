"""How many realtime connections each process holds (the cluster view shows it).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the count."""
    with op.batch_alter_table("processes") as batch:
        batch.add_column(sa.Column("connections", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("processes") as batch:
        batch.drop_column("connections")
