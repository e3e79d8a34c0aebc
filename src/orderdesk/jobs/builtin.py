"""Job kinds every orderdesk has."""

from __future__ import annotations

import asyncio
from typing import Any

from orderdesk.jobs.context import JobContext
from orderdesk.jobs.registry import job_kind


@job_kind("system.noop", timeout_seconds=60, max_attempts=1)
async def noop(ctx: JobContext) -> dict[str, Any]:
    """Do nothing (queue health checks and benchmarks); `sleep` waits that many seconds."""
    seconds = float(ctx.params.get("sleep", 0))
    if seconds > 0:
        await asyncio.sleep(min(seconds, 30.0))
    return {"ok": True}
