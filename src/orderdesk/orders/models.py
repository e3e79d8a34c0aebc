"""Order type, counter, order, line and event tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin
from orderdesk.db.types import BigIntPK, JSONType, Money, UTCDateTime, utcnow


class OrderType(IdMixin, TimestampMixin, Base):
    __tablename__ = "order_types"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSONType)
    number_format: Mapped[str] = mapped_column(String(64), default="{year}-{seq:06d}")
    attribute_schema: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    workflow: Mapped[dict[str, Any]] = mapped_column(JSONType)
    books_time_range: Mapped[bool] = mapped_column(Boolean, default=False)
    one_active_per_item: Mapped[bool] = mapped_column(Boolean, default=False)
    # Customers must have a phone on their profile before ordering (FOK bot).
    requires_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=True)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)


class OrderCounter(Base):
    """The last number given per order type and period; bumped with UPDATE … RETURNING."""

    __tablename__ = "order_counters"

    order_type_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("order_types.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def _partial(name: str, column: str) -> Index:
    """An index of the rows that have a value: most orders have no time range or reference.

    A filter on the column (`=`, `<`, `>=` …) implies `IS NOT NULL`, so both databases use it.
    """
    where = text(f"{column} IS NOT NULL")
    return Index(name, column, postgresql_where=where, sqlite_where=where)


class Order(IdMixin, TimestampMixin, Base):
    """Indexes: one for every list filter and sort (issue 2), no more (ADR 0014 "Performance").

    Each index costs every bulk import (≈ 1.2 µs per order each on PostgreSQL COPY), so the
    time range and the external reference, set on few orders, are indexed only where present.
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("order_type_id", "number"),
        UniqueConstraint("external_source", "external_ref"),
        Index("ix_orders_order_type_id_status", "order_type_id", "status"),
        Index("ix_orders_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_orders_unit_id_created_at", "unit_id", "created_at"),
        _partial("ix_orders_external_ref", "external_ref"),
        _partial("ix_orders_starts_at", "starts_at"),
        Index("ix_orders_updated_at", "updated_at"),
    )

    order_type_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("order_types.id", ondelete="RESTRICT")
    )
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    unit_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("units.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16), default="api", index=True)
    external_source: Mapped[str | None] = mapped_column(String(64))
    external_ref: Mapped[str | None] = mapped_column(String(128))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    vat_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    stock_deducted: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)


class OrderLine(IdMixin, Base):
    __tablename__ = "order_lines"
    __table_args__ = (Index("ix_order_lines_order_id_position", "order_id", "position"),)

    order_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    item_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("items.id", ondelete="SET NULL"), index=True
    )
    sku: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(300))
    measure_unit: Mapped[str] = mapped_column(String(32), default="шт")
    quantity: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    coefficient: Mapped[Decimal] = mapped_column(Money, default=Decimal(1))
    amount: Mapped[Decimal] = mapped_column(Money)


class OrderEvent(IdMixin, Base):
    """Status changes and edits of an order, with who did it and why."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_id_id", "order_id", "id"),)

    order_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
