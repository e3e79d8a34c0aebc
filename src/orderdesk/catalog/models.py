"""Item type, category and item tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin
from orderdesk.db.types import BigIntPK, JSONType, Money, UTCDateTime


class ItemType(IdMixin, TimestampMixin, Base):
    __tablename__ = "item_types"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSONType)
    attribute_schema: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)


class Category(IdMixin, TimestampMixin, Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("categories.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)


class Item(IdMixin, TimestampMixin, Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_status_name", "status", "name"),
        Index("ix_items_item_type_id_status", "item_type_id", "status"),
        Index("ix_items_updated_at", "updated_at"),
    )

    item_type_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("item_types.id", ondelete="RESTRICT")
    )
    sku: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    measure_unit: Mapped[str] = mapped_column(String(32), default="шт")
    price: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    stock: Mapped[Decimal | None] = mapped_column(Money)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archive_reason: Mapped[str | None] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
