"""Job routes: follow background work and cancel it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderdesk.core.deps import PrincipalDep, ReadPrincipalDep, SessionDep, get_container
from orderdesk.core.http import json_response
from orderdesk.core.listing import PageDep
from orderdesk.core.schemas import PageOut
from orderdesk.jobs import service
from orderdesk.jobs.schemas import JobOut, JobStatus

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=PageOut[JobOut], summary="Jobs, newest first")
async def list_jobs(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    kind: str | None = None,
    status: JobStatus | None = None,
) -> Response:
    result = await service.list_jobs(
        session=session,
        principal=principal,
        page=page,
        kind=kind,
        status=status,
        runner=get_container(request).jobs.runner,
    )
    return json_response(result.as_dict())


@router.get("/{job_id}", response_model=JobOut, summary="A job with its progress and result")
async def get_job(
    job_id: int, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.get_job(
        session=session,
        principal=principal,
        job_id=job_id,
        runner=get_container(request).jobs.runner,
    )
    return json_response(row)


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    status_code=202,
    summary="Cancel a job (a running one stops and rolls back)",
)
async def cancel_job(job_id: int, request: Request, principal: ReadPrincipalDep) -> Response:
    container = get_container(request)
    async with container.read_sessions() as session:
        await service.get_job(session=session, principal=principal, job_id=job_id)
    # Stop a job running in this process first: on SQLite its transaction holds the write lock.
    runner = container.jobs.runner
    stopped_here = runner is not None and runner.cancel_local(job_id)
    async with container.write_sessions() as session:
        row = await service.cancel_job(
            session=session, principal=principal, job_id=job_id, stopped_here=stopped_here
        )
        await session.commit()
    return json_response(row, 202)
