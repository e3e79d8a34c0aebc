"""Chats the bot talks to, messages it owes them, and updates it has already handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin
from orderdesk.db.types import BigIntPK, JSONType, UTCDateTime, utcnow


class TelegramChat(TimestampMixin, Base):
    """A chat the bot may write to: a customer's private chat, a staff group or a unit's group."""

    __tablename__ = "telegram_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # private | staff | unit
    user_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="ru")
    # False once Telegram answered 403 (the user blocked the bot, the bot left the group).
    active: Mapped[bool] = mapped_column(default=True)
    inactive_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TelegramDelivery(IdMixin, Base):
    """One message owed to one chat for one event: the unique key makes a retry send it once."""

    __tablename__ = "telegram_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "chat_id", "purpose"),
        Index("ix_telegram_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_telegram_deliveries_aggregate", "aggregate_type", "aggregate_id", "chat_id"),
    )

    event_id: Mapped[str] = mapped_column(String(36))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(48))  # e.g. "staff.new_order", "customer.status"
    aggregate_type: Mapped[str] = mapped_column(String(32), default="")
    aggregate_id: Mapped[str] = mapped_column(String(64), default="")
    # pending → claimed (a sender took it) → sending (the request is under way) → sent;
    # or failed / dropped. See telegram/sending.py and ADR 0017.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    message: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # what to send
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram's, to edit in place
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sender holding the row (claimed / sending) and since when: a compare-and-set key.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TelegramUpdate(Base):
    """An update_id already taken: Telegram (or a second API instance) may deliver it again."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
