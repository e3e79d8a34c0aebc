"""Job API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(BaseModel):
    id: int
    kind: str
    status: JobStatus
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    progress_done: int
    progress_total: int | None
    counts: dict[str, int]
    attempts: int
    max_attempts: int
    run_after: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    cancel_requested: bool
    actor_id: int | None
    unit_id: int | None
    created_at: datetime
    updated_at: datetime
