"""The registry of periodic tasks: name, cron expression (UTC), job kind and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter

from orderdesk.settings import Settings

_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class PeriodicTask:
    """Enqueue a `job_kind` job with `params` at each tick of `cron` (5 fields; 6 with seconds)."""

    name: str
    cron: str
    job_kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"periodic task {self.name}: invalid cron expression {self.cron!r}")

    def latest_tick(self, now: datetime) -> datetime:
        """The last tick at or before `now`."""
        tick: datetime = croniter(self.cron, now + _EPSILON).get_prev(datetime)
        return tick

    def next_tick(self, after: datetime) -> datetime:
        """The first tick strictly after `after`."""
        tick: datetime = croniter(self.cron, after).get_next(datetime)
        return tick

    def dedupe_key(self, tick: datetime) -> str:
        """The job dedupe key (and lock name) of one tick: the same in every scheduler process."""
        return f"schedule:{self.name}:{tick.isoformat()}"


def periodic_tasks(settings: Settings) -> list[PeriodicTask]:
    """Every periodic task, with crons changed by ORDERDESK_SCHEDULE_OVERRIDES."""
    tasks = [
        PeriodicTask(
            name="cleanup.idempotency",
            cron="17 3 * * *",
            job_kind="cleanup.idempotency",
            params={"older_than_hours": settings.idempotency_ttl_hours},
        ),
        PeriodicTask(name="cleanup.retention", cron="37 3 * * *", job_kind="cleanup.retention"),
    ]
    unknown = set(settings.schedule_overrides) - {task.name for task in tasks}
    if unknown:
        raise ValueError(f"ORDERDESK_SCHEDULE_OVERRIDES names unknown tasks: {sorted(unknown)}")
    return [replace(t, cron=settings.schedule_overrides.get(t.name, t.cron)) for t in tasks]
