"""Import runs and saved import profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin, TimestampMixin
from orderdesk.db.types import BigIntPK, JSONType, UTCDateTime

IMPORT_STATUSES = ("uploaded", "queued", "running", "succeeded", "failed", "cancelled")


class Import(IdMixin, TimestampMixin, Base):
    """One uploaded file and what became of it: options, mapping, counts, report, job."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_actor_id_created_at", "actor_id", "created_at"),)

    original_name: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str | None] = mapped_column(String(32))
    encoding: Mapped[str | None] = mapped_column(String(32))
    delimiter: Mapped[str | None] = mapped_column(String(8))
    target: Mapped[str | None] = mapped_column(String(16))
    type_code: Mapped[str | None] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8), default="insert")
    key: Mapped[str | None] = mapped_column(String(64))
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    value_maps: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    profile_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("import_profiles.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default="uploaded", index=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    report_key: Mapped[str | None] = mapped_column(String(512))
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    unit_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportProfile(IdMixin, TimestampMixin, Base):
    """A saved mapping, picked again when a file's normalised header signature matches."""

    __tablename__ = "import_profiles"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    target: Mapped[str] = mapped_column(String(16))
    type_code: Mapped[str | None] = mapped_column(String(64))
    header_signature: Mapped[str] = mapped_column(String(64), index=True)
    headers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    value_maps: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("users.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(default=1)
