"""Unit table."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin


class Unit(IdMixin, TimestampMixin, Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="department", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    search_text: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(default=1)
