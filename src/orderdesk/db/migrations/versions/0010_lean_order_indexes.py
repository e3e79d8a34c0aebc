"""lean order indexes: partial starts_at and external_ref

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00

Every index of `orders` is maintained on each bulk import (ADR 0014 "Performance"). The time
range and the external reference are set on few orders, so their indexes hold only the rows
that have one. (Status, channel and total keep their indexes: every list filter has one.)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _where(column: str) -> dict[str, sa.TextClause]:
    where = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_starts_at")
        batch_op.drop_index("ix_orders_external_ref")
        batch_op.create_index(
            "ix_orders_starts_at", ["starts_at"], unique=False, **_where("starts_at")
        )
        batch_op.create_index(
            "ix_orders_external_ref", ["external_ref"], unique=False, **_where("external_ref")
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_external_ref")
        batch_op.drop_index("ix_orders_starts_at")
        batch_op.create_index("ix_orders_external_ref", ["external_ref"], unique=False)
        batch_op.create_index("ix_orders_starts_at", ["starts_at"], unique=False)
