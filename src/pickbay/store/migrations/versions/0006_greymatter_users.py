"""GreyMatter's own users, who fetch OAuth tokens.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the GreyMatter users table."""
    op.create_table(
        "greymatter_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_greymatter_users")),
        sa.UniqueConstraint("username", name=op.f("uq_greymatter_users_username")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("greymatter_users")
