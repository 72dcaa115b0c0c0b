"""One convention for event types: `<subject>.<what happened>`, the vendor in `dialect`.

Pickup Cloud's events were the only ones to carry their vendor in the type as well.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RENAMED = (
    ("pickup_cloud.order_state_changed", "order.state_changed"),
    ("pickup_cloud.article_state_changed", "article.state_changed"),
    ("pickup_cloud.order_updated", "order.updated"),
)
_RENAME = sa.text("UPDATE events SET type = :new WHERE dialect = 'pickup_cloud' AND type = :old")


def upgrade() -> None:
    """Rename the stored Pickup Cloud event types."""
    for old, new in RENAMED:
        op.execute(_RENAME.bindparams(old=old, new=new))


def downgrade() -> None:
    """Give the Pickup Cloud event types their vendor prefix back."""
    for old, new in RENAMED:
        op.execute(_RENAME.bindparams(old=new, new=old))
