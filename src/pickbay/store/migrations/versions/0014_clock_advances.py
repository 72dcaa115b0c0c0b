"""Which process is fast-forwarding the clock, if one is: the others hold writes until it ends.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("clock") as batch:
        batch.add_column(sa.Column("advancing_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("clock") as batch:
        batch.drop_column("advancing_by")
