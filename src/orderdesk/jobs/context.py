"""What a job handler gets: its parameters, the transaction of its effect, progress reporting."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.errors import AppError
from orderdesk.core.permissions import Principal, Role
from orderdesk.settings import Settings

ProgressSink = Callable[[int, "Progress"], Awaitable[None]]


class JobFailed(AppError):
    """A permanent failure: the job is marked failed without further attempts."""

    status = 422
    slug = "job-failed"
    title_key = "job.failed"


@dataclass(slots=True)
class Progress:
    done: int = 0
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class JobContext:
    """One attempt of one job. The handler's changes and the job's "succeeded" commit together."""

    job_id: int
    kind: str
    params: dict[str, Any]
    attempt: int
    actor: Principal
    progress: Progress
    _sink: ProgressSink
    _open_session: Callable[[], AsyncSession]
    _session: AsyncSession | None = None
    _min_interval: float = 0.5
    _last_sent: float = 0.0

    @property
    def session(self) -> AsyncSession:
        """The transaction of the job's effect, opened on first use.

        A job that never touches it has no database effect, so its "succeeded" mark can be
        written together with other such jobs' in one statement.
        """
        if self._session is None:
            self._session = self._open_session()
        return self._session

    @property
    def opened_session(self) -> AsyncSession | None:
        return self._session

    async def report(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        counts: dict[str, int] | None = None,
        force: bool = False,
    ) -> None:
        """Record progress; it is published at most every half second unless forced."""
        if done is not None:
            self.progress.done = done
        if total is not None:
            self.progress.total = total
        if counts:
            self.progress.counts.update(counts)
        now = time.monotonic()
        if force or now - self._last_sent >= self._min_interval:
            self._last_sent = now
            await self._sink(self.job_id, self.progress)


def job_principal(actor_id: int | None, role: str | None, unit_id: int | None) -> Principal:
    """The principal a job acts as: its requester when known, else the system."""
    if actor_id is None or role is None:
        return Principal.system()
    return Principal(user_id=actor_id, role=Role(role), unit_id=unit_id, username="")


def settings_of(session: AsyncSession) -> Settings:
    """The settings of the job queue a job's session belongs to (defaults outside a queue)."""
    queue = session.info.get("job_queue")
    settings = getattr(queue, "settings", None)
    return settings if isinstance(settings, Settings) else Settings()
