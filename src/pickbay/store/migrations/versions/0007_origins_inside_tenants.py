"""An on-behalf-of order's origin is a label inside its tenant, and a key may speak as one.

Pickup Cloud's origin numbers were scoped by the origin's name alone, so one tenant's
on-behalf-of orders could collide with, and be read by, another tenant named like the origin.
They move to the scope `<tenant>\\n<origin>` (a tenant's name holds no line break).

Revision ID: 0007
Revises: 0006
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ORDERS = sa.text(
    "SELECT id, tenant, data FROM orders WHERE dialect = 'pickup_cloud' AND kind = 'on-behalf-of'"
)
_MOVE = sa.text(
    "UPDATE order_refs SET scope = :new WHERE dialect = 'pickup_cloud' AND kind = 'order_number'"
    " AND order_id = :order_id AND scope = :old AND value = :number"
)


def _move(to_tenant_scope: bool) -> None:
    conn = op.get_bind()
    for order_id, tenant, data in conn.execute(_ORDERS).all():
        fields = json.loads(data)
        origin, number = fields.get("origin"), fields.get("origin_order_number")
        if origin is None or number is None:
            continue
        inside = f"{tenant}\n{origin}"
        old, new = (origin, inside) if to_tenant_scope else (inside, origin)
        conn.execute(_MOVE, {"new": new, "old": old, "order_id": order_id, "number": number})


def upgrade() -> None:
    """Widen the ref scope, give keys an origin, move origin numbers inside their tenant."""
    with op.batch_alter_table("order_refs", schema=None) as batch_op:
        batch_op.alter_column(
            "scope", existing_type=sa.String(length=100), type_=sa.String(length=201)
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=100), nullable=True))
    _move(to_tenant_scope=True)


def downgrade() -> None:
    """Origin numbers scoped by the origin alone again; keys without origins."""
    _move(to_tenant_scope=False)
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("origin")
    with op.batch_alter_table("order_refs", schema=None) as batch_op:
        batch_op.alter_column(
            "scope", existing_type=sa.String(length=201), type_=sa.String(length=100)
        )
