"""Job kinds every orderdesk has."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.jobs.context import JobContext
from orderdesk.jobs.registry import job_kind
from orderdesk.scheduler import HANDLERS


@job_kind("system.noop", timeout_seconds=60, max_attempts=1)
async def noop(ctx: JobContext) -> dict[str, Any]:
    """Do nothing (queue health checks and benchmarks); `sleep` waits that many seconds."""
    seconds = float(ctx.params.get("sleep", 0))
    if seconds > 0:
        await asyncio.sleep(min(seconds, 30.0))
    return {"ok": True}


def _periodic(handler: Callable[[AsyncSession, dict[str, Any]], Awaitable[dict[str, Any]]]) -> Any:
    async def run(ctx: JobContext) -> dict[str, Any]:
        return await handler(ctx.session, ctx.params)

    return run


# The scheduler's periodic tasks run as jobs of the same name.
for _name, _handler in HANDLERS.items():
    job_kind(_name, timeout_seconds=900, max_attempts=3)(_periodic(_handler))
