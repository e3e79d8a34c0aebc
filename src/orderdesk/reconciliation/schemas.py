"""API shapes of reconciliation rules, runs and matches."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from orderdesk.core.schemas import Code, StrictModel
from orderdesk.reconciliation.matcher import Status

StatusName = Literal["matched", "amount_mismatch", "only_in_A", "only_in_B", "ambiguous"]
MISMATCH_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s is not Status.matched)
ALL_STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


class RunCreate(StrictModel):
    rule: Code
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime


class RuleOut(BaseModel):
    id: int
    code: str
    name: dict[str, str]
    spec: dict[str, Any]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class RunOut(BaseModel):
    id: int
    rule: str
    period_from: datetime
    period_to: datetime
    unit_id: int | None
    job_id: int | None
    status: str
    progress_done: int
    progress_total: int | None
    counts: dict[str, int]
    error: str | None
    finished_at: datetime | None
    created_at: datetime


class MatchOut(BaseModel):
    id: int
    side: Literal["A", "B"]
    status: StatusName
    order_id: int
    number: str
    key: str
    at: datetime
    amount: Decimal
    counterpart_id: int | None
    counterpart_number: str | None
    counterpart_at: datetime | None
    counterpart_amount: Decimal | None
    time_delta_ms: int | None
    amount_delta: Decimal | None
    candidates: int


class OrderMatchOut(MatchOut):
    run_id: int
    rule: str
    period_from: datetime
    period_to: datetime
