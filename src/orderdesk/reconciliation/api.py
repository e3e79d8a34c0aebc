"""Reconciliation routes: rules, runs (background jobs), matches and the mismatch report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response, StreamingResponse

from orderdesk.core.deps import PrincipalDep, ReadPrincipalDep, SessionDep, get_container
from orderdesk.core.http import json_response
from orderdesk.core.listing import PageDep
from orderdesk.core.schemas import PageOut
from orderdesk.files.names import content_disposition
from orderdesk.reconciliation import report, service
from orderdesk.reconciliation import repository as repo
from orderdesk.reconciliation.rules import RuleCreate
from orderdesk.reconciliation.schemas import (
    ALL_STATUSES,
    MISMATCH_STATUSES,
    MatchOut,
    OrderMatchOut,
    RuleOut,
    RunCreate,
    RunOut,
    StatusName,
)

router = APIRouter(tags=["reconciliation"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/reconciliation-rules", response_model=list[RuleOut], summary="Declared rules")
async def list_rules(session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(await service.list_rules(session=session, principal=principal))


@router.post(
    "/reconciliation-rules", response_model=RuleOut, status_code=201, summary="Declare a rule"
)
async def create_rule(data: RuleCreate, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.create_rule(session=session, principal=principal, data=data)
    return json_response(row, 201)


@router.post(
    "/reconciliations",
    response_model=RunOut,
    status_code=202,
    summary="Reconcile a period by a rule (a background job; again = replace the result)",
)
async def start_run(data: RunCreate, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.start_run(session=session, principal=principal, data=data)
    return json_response(row, 202)


@router.get("/reconciliations", response_model=PageOut[RunOut], summary="Runs, newest first")
async def list_runs(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    result = await service.list_runs(session=session, principal=principal, page=page)
    return json_response(result.as_dict())


@router.get("/reconciliations/{run_id}", response_model=RunOut, summary="A run and its counts")
async def get_run(run_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(await service.get_run(session=session, principal=principal, run_id=run_id))


@router.get(
    "/reconciliations/{run_id}/matches",
    response_model=PageOut[MatchOut],
    summary="Each record's status, counterpart and differences",
)
async def list_matches(
    run_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    status: StatusName | None = None,
    side: Literal["A", "B"] | None = None,
) -> Response:
    result = await service.list_matches(
        session=session, principal=principal, run_id=run_id, page=page, status=status, side=side
    )
    return json_response(result.as_dict())


@router.get(
    "/reconciliation-matches",
    response_model=list[OrderMatchOut],
    summary="One order's status in each run, newest first",
)
async def order_matches(order_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    rows = await service.order_matches(session=session, principal=principal, order_id=order_id)
    return json_response(rows)


@router.get(
    "/reconciliations/{run_id}/report",
    response_class=Response,
    summary="Mismatch report as CSV or XLSX (ru or en headers)",
)
async def download_report(
    run_id: int,
    request: Request,
    principal: ReadPrincipalDep,
    format: Literal["csv", "xlsx"] = "csv",
    lang: Literal["ru", "en"] = "ru",
    status: Annotated[list[StatusName] | None, Query(max_length=5)] = None,
    include_matched: bool = False,
) -> Response:
    container = get_container(request)
    async with container.read_sessions() as session:
        await service.get_run(session=session, principal=principal, run_id=run_id)
    statuses = status or (ALL_STATUSES if include_matched else MISMATCH_STATUSES)

    async def rows() -> AsyncIterator[dict[str, Any]]:
        # Streaming outlives the request's session: the report reads in its own.
        async with container.read_sessions() as session:
            async for row in repo.report_rows(session, run_id=run_id, statuses=statuses):
                yield row

    name = f"reconciliation-{run_id}.{format}"
    headers = {"Content-Disposition": content_disposition(name)}
    if format == "csv":
        chunks = report.csv_chunks(rows(), lang)
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
    path = Path(await asyncio.to_thread(report.xlsx_path))
    try:
        await report.write_xlsx(path, rows(), lang)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(
        path, media_type=XLSX, headers=headers, background=BackgroundTask(path.unlink, True)
    )
