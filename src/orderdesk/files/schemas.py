"""Attachment API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from orderdesk.core.schemas import StrictModel

Category = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64, pattern=r"^[\w .-]*$")
]
OwnerType = Literal["item", "order"]


class AttachmentOut(BaseModel):
    id: int
    owner_type: OwnerType
    owner_id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    category: str
    is_current: bool
    uploaded_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class AttachmentList(BaseModel):
    items: list[AttachmentOut]


class AttachmentUpdate(StrictModel):
    category: Category | None = None
    is_current: bool | None = None
