"""API shapes of units."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from orderdesk.core.schemas import Code, Name, StrictModel

UnitKind = Literal["department", "branch", "shop", "facility", "warehouse", "other"]


class UnitCreate(StrictModel):
    code: Code
    name: Name
    kind: UnitKind = "department"
    active: bool = True


class UnitUpdate(StrictModel):
    code: Code | None = None
    name: Name | None = None
    kind: UnitKind | None = None
    active: bool | None = None


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int
