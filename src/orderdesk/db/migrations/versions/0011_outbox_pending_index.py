"""outbox: a partial index of the events not yet published

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 16:00:00

The relay polls `published_at IS NULL ORDER BY id` after every commit that wrote events. With
statistics older than the table's churn, PostgreSQL read that through the primary key and
filtered every published row (75 ms at 77k events); this index holds only pending events.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    where = sa.text("published_at IS NULL")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_pending",
            ["id"],
            unique=False,
            postgresql_where=where,
            sqlite_where=where,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_pending")
