"""Alembic environment: the URL comes from the caller (``streams.console.db.migrate``), never
from a file, so the database password is not written anywhere."""

from __future__ import annotations

from alembic import context

from streams.console.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the console's own migrate() runs this
    raise RuntimeError("run migrations through `civicmod console migrate`")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
