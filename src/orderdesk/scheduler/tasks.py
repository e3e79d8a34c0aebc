"""The registry of periodic tasks: name, cron expression (UTC), job kind and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from orderdesk.settings import Settings

_EPSILON = timedelta(microseconds=1)


@dataclass(frozen=True)
class PeriodicTask:
    """Enqueue a `job_kind` job with `params` at each tick of `cron` (5 fields; 6 with seconds).

    `timezone` is the zone the cron is read in (ticks are still UTC instants).
    """

    name: str
    cron: str
    job_kind: str
    params: dict[str, Any] = field(default_factory=dict)
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.cron):
            raise ValueError(f"periodic task {self.name}: invalid cron expression {self.cron!r}")

    def latest_tick(self, now: datetime) -> datetime:
        """The last tick at or before `now`."""
        tick: datetime = croniter(self.cron, self._local(now + _EPSILON)).get_prev(datetime)
        return self._utc(tick)

    def next_tick(self, after: datetime) -> datetime:
        """The first tick strictly after `after`."""
        tick: datetime = croniter(self.cron, self._local(after)).get_next(datetime)
        return self._utc(tick)

    def _local(self, moment: datetime) -> datetime:
        return moment if self.timezone == "UTC" else moment.astimezone(ZoneInfo(self.timezone))

    def _utc(self, tick: datetime) -> datetime:
        return tick if self.timezone == "UTC" else tick.astimezone(UTC)

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
    tasks.extend(telegram_report_tasks(settings))
    unknown = set(settings.schedule_overrides) - {task.name for task in tasks}
    if unknown:
        raise ValueError(f"ORDERDESK_SCHEDULE_OVERRIDES names unknown tasks: {sorted(unknown)}")
    return [replace(t, cron=settings.schedule_overrides.get(t.name, t.cron)) for t in tasks]


def telegram_report_tasks(settings: Settings) -> list[PeriodicTask]:
    """The staff reports (telegram/reports.py), in the business time zone; empty cron: off."""
    if not settings.telegram_enabled:
        return []
    crons = (
        ("daily", settings.telegram_report_daily_cron),
        ("weekly", settings.telegram_report_weekly_cron),
    )
    return [
        PeriodicTask(
            name=f"telegram.report.{kind}",
            cron=cron,
            job_kind="telegram.report",
            params={"kind": kind},
            timezone=settings.telegram_report_timezone,
        )
        for kind, cron in crons
        if cron.strip()
    ]
