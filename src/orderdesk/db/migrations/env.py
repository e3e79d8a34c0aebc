"""Alembic environment: always run on a connection handed in by orderdesk.db.migrate."""

from alembic import context

from orderdesk.db.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - guarded by orderdesk.db.migrate
    raise RuntimeError("run migrations through `orderdesk migrate`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
