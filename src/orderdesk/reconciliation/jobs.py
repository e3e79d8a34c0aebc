"""The reconciliation job: one run of a rule, its matches committed with the job's success."""

from __future__ import annotations

from typing import Any

from orderdesk.jobs.context import JobContext, JobFailed
from orderdesk.jobs.registry import job_kind
from orderdesk.reconciliation import service
from orderdesk.reconciliation.messages import RUN_NOT_FOUND


@job_kind(service.JOB_KIND, timeout_seconds=1800, max_attempts=2)
async def run_reconciliation(ctx: JobContext) -> dict[str, Any]:
    """Reconcile the run named in the parameters, reporting stored rows as progress."""
    run_id = ctx.params.get("run_id")
    if not isinstance(run_id, int):
        raise JobFailed(RUN_NOT_FOUND, id=run_id)

    async def progress(done: int, total: int) -> None:
        await ctx.report(done=done, total=total)

    return await service.execute_run(ctx.session, run_id, progress)
