"""Alembic environment: runs on the connection pickbay hands it."""

from __future__ import annotations

from alembic import context

import pickbay.vendors.registry  # noqa: F401  (importing it adds every vendor's tables)
from pickbay.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("pickbay runs its migrations itself: use Database.migrate()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
