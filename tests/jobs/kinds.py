"""Job kinds used by the tests (also loaded by worker processes via ORDERDESK_JOB_MODULES)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from orderdesk.audit.models import AuditEntry
from orderdesk.jobs.context import JobContext, JobFailed
from orderdesk.jobs.registry import job_kind

EFFECT = "test.effect"


def effect_row(ctx: JobContext) -> AuditEntry:
    return AuditEntry(action=EFFECT, entity_type="job", entity_id=str(ctx.job_id))


async def effects(session: Any, job_id: int) -> int:
    """How many times the effect of a job was committed."""
    stmt = select(func.count()).where(
        AuditEntry.action == EFFECT, AuditEntry.entity_id == str(job_id)
    )
    return int(await session.scalar(stmt) or 0)


@job_kind("test.effect", timeout_seconds=30, max_attempts=3, backoff_seconds=0.05)
async def write_effect(ctx: JobContext) -> dict[str, Any]:
    """Write the effect, optionally wait (to be killed or cancelled), optionally fail first."""
    ctx.session.add(effect_row(ctx))
    await ctx.session.flush()
    for step in range(int(ctx.params.get("steps", 0))):
        await ctx.report(done=step + 1, total=int(ctx.params["steps"]), force=True)
        await asyncio.sleep(float(ctx.params.get("step_seconds", 0.1)))
    if ctx.attempt <= int(ctx.params.get("fail_attempts", 0)):
        raise RuntimeError(f"flaky failure on attempt {ctx.attempt}")
    return {"attempt": ctx.attempt}


@job_kind("test.refuse", max_attempts=3)
async def refuse(ctx: JobContext) -> dict[str, Any]:
    raise JobFailed("job.failed")


@job_kind("test.slow", timeout_seconds=0.3, max_attempts=1)
async def slow(ctx: JobContext) -> dict[str, Any]:
    await asyncio.sleep(5)
    return {}


RUNNING: dict[str, int] = {"now": 0, "peak": 0}


@job_kind("test.count", timeout_seconds=30, max_attempts=1)
async def count_concurrency(ctx: JobContext) -> dict[str, Any]:
    """No database effect: note how many of these run at once, report progress, return a result."""
    RUNNING["now"] += 1
    RUNNING["peak"] = max(RUNNING["peak"], RUNNING["now"])
    try:
        await asyncio.sleep(float(ctx.params.get("seconds", 0.05)))
        await ctx.report(done=3, total=3, counts={"seen": 3})
        return {"n": ctx.params.get("n")}
    finally:
        RUNNING["now"] -= 1
