"""Reconciliation rules, runs and each record's outcome."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin
from orderdesk.db.types import BigIntPK, JSONType, Money, UTCDateTime


class ReconciliationRule(IdMixin, TimestampMixin, Base):
    __tablename__ = "reconciliation_rules"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSONType)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)


class ReconciliationRun(IdMixin, TimestampMixin, Base):
    """One rule over one period and scope; running it again replaces its matches."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (UniqueConstraint("rule_id", "period_from", "period_to", "scope"),)

    rule_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("reconciliation_rules.id", ondelete="CASCADE")
    )
    period_from: Mapped[datetime] = mapped_column(UTCDateTime)
    period_to: Mapped[datetime] = mapped_column(UTCDateTime)
    # "all", or "unit:<id>" when staff reconcile their own unit (NULL-free for the constraint)
    scope: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("units.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReconciliationMatch(IdMixin, Base):
    """One record's status in a run, with its counterpart's time and amount for the report."""

    __tablename__ = "reconciliation_matches"
    __table_args__ = (
        Index("ix_reconciliation_matches_run_id_status_id", "run_id", "status", "id"),
        Index("ix_reconciliation_matches_order_id", "order_id"),
    )

    run_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("reconciliation_runs.id", ondelete="CASCADE")
    )
    side: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal] = mapped_column(Money)
    counterpart_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("orders.id", ondelete="SET NULL")
    )
    counterpart_number: Mapped[str | None] = mapped_column(String(64))
    counterpart_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counterpart_amount: Mapped[Decimal | None] = mapped_column(Money)
    time_delta_ms: Mapped[int | None] = mapped_column(BigInteger)
    amount_delta: Mapped[Decimal | None] = mapped_column(Money)
    candidates: Mapped[int] = mapped_column(Integer, default=0)
