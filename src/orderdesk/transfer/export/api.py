"""Export routes: stream CSV/JSON/XML, answer small XLSX/PDF at once, run big ones as jobs."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response, StreamingResponse

from orderdesk.container import Container
from orderdesk.core.deps import ContainerDep, ReadPrincipalDep, get_container
from orderdesk.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    ValidationFailed,
    field_errors_from_pydantic,
)
from orderdesk.core.http import json_response
from orderdesk.core.i18n import current_locale
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.files.names import content_disposition
from orderdesk.files.storage import StoredObjectMissing
from orderdesk.jobs import repository as jobs_repo
from orderdesk.jobs import service as jobs_service
from orderdesk.transfer.export import service
from orderdesk.transfer.export.jobs import KIND, download_url
from orderdesk.transfer.export.schemas import (
    ColumnOut,
    ExportJobOut,
    ExportOptions,
    ExportRequest,
    ExportSpec,
    ItemExportQuery,
    ItemFilters,
    OrderExportQuery,
    OrderFilters,
    Target,
)
from orderdesk.transfer.messages_export import (
    EXPORT_FILE_GONE,
    EXPORT_NOT_FOUND,
    EXPORT_NOT_READY,
)

router = APIRouter(prefix="/exports", tags=["exports"])

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file: CSV, JSON, NDJSON and XML are streamed as rows are read; "
        "XLSX and PDF up to `ORDERDESK_EXPORT_SYNC_MAX_ROWS` rows are built at once",
        "content": {
            "text/csv": {},
            "application/json": {},
            "application/x-ndjson": {},
            "application/xml": {},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            "application/pdf": {},
        },
    },
    202: {
        "model": ExportJobOut,
        "description": "A bigger XLSX or PDF: a background job was started; follow "
        "`status_url` (or the `job:<id>` WebSocket topic), then download `download_url`",
    },
}
FILTERS: dict[str, type[BaseModel]] = {"items": ItemFilters, "orders": OrderFilters}


def _spec(target: Target, query: BaseModel) -> ExportSpec:
    fields = set(FILTERS[target].model_fields)
    options = ExportOptions.model_validate(
        query.model_dump(include=set(ExportOptions.model_fields))
    )
    return ExportSpec(
        target=target,
        options=options,
        filters=query.model_dump(mode="json", include=fields, exclude_none=True),
        lang=options.lang or ("ru" if current_locale() == "ru" else "en"),
    )


async def _stream(container: Container, plan: service.Plan) -> AsyncIterator[bytes]:
    # The request's session is gone once the handler returns; the body reads in its own.
    async with container.read_sessions() as session:
        async for chunk in service.stream(session, plan):
            if chunk:
                yield chunk


def _file_headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-cache"}


async def _start_job(
    container: Container, principal: Principal, spec: ExportSpec, rows: int | None
) -> Response:
    async with container.write_sessions() as session:
        job = await jobs_service.enqueue(
            session,
            kind=KIND,
            params=spec.model_dump(mode="json"),
            actor_id=principal.user_id,
            unit_id=principal.unit_id,
            max_attempts=2,
        )
        await session.commit()
        job_id = job.id
    async with container.read_sessions() as session:
        row = await jobs_service.get_job(session=session, principal=principal, job_id=job_id)
    status_url = f"/api/v1/jobs/{job_id}"
    body = {
        "job": row,
        "rows": rows,
        "status_url": status_url,
        "download_url": download_url(job_id),
    }
    return json_response(body, 202, headers={"Location": status_url})


async def _export(request: Request, principal: Principal, spec: ExportSpec) -> Response:
    container = get_container(request)
    settings = container.settings
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session, principal=principal, spec=spec, settings=settings
        )
        if plan.info.streams:
            headers = _file_headers(plan.filename)
            body = _stream(container, plan)
            return StreamingResponse(body, media_type=plan.info.media_type, headers=headers)
        rows = await service.count_rows(session, plan)
        service.check_size(plan, rows, settings)
        if rows > settings.export_sync_max_rows:
            await session.close()
            return await _start_job(container, principal, spec, rows)
        folder = Path(tempfile.mkdtemp(prefix="orderdesk-export-"))
        path = folder / f"export.{plan.info.extension}"
        try:
            await service.write_file(session, plan, path, total=rows)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    return FileResponse(
        path,
        media_type=plan.info.media_type,
        headers=_file_headers(plan.filename),
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get(
    "/items",
    response_model=None,
    responses=FILE_RESPONSES,
    summary="Export the item list (same filters, sort and search as GET /items)",
)
async def export_items(
    request: Request, principal: ReadPrincipalDep, query: Annotated[ItemExportQuery, Query()]
) -> Response:
    return await _export(request, principal, _spec("items", query))


@router.get(
    "/orders",
    response_model=None,
    responses=FILE_RESPONSES,
    summary="Export the order list, one row per line (same filters as GET /orders)",
)
async def export_orders(
    request: Request, principal: ReadPrincipalDep, query: Annotated[OrderExportQuery, Query()]
) -> Response:
    return await _export(request, principal, _spec("orders", query))


async def _columns(request: Request, principal: Principal, spec: ExportSpec) -> Response:
    container = get_container(request)
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session, principal=principal, spec=spec, settings=container.settings
        )
    return json_response(service.describe_columns(plan))


@router.get(
    "/items/columns",
    response_model=list[ColumnOut],
    summary="The columns an item export with these parameters has",
)
async def item_columns(
    request: Request, principal: ReadPrincipalDep, query: Annotated[ItemExportQuery, Query()]
) -> Response:
    return await _columns(request, principal, _spec("items", query))


@router.get(
    "/orders/columns",
    response_model=list[ColumnOut],
    summary="The columns an order export with these parameters has",
)
async def order_columns(
    request: Request, principal: ReadPrincipalDep, query: Annotated[OrderExportQuery, Query()]
) -> Response:
    return await _columns(request, principal, _spec("orders", query))


def _request_spec(body: ExportRequest) -> ExportSpec:
    model = FILTERS[body.target]
    unknown = [name for name in body.filters if name not in model.model_fields]
    if unknown:
        raise ValidationFailed(
            [FieldError(f"filters.{name}", "extra_forbidden") for name in unknown]
        )
    try:
        filters = model.model_validate(body.filters)
    except ValidationError as exc:
        errors = field_errors_from_pydantic(exc.errors())
        raise ValidationFailed(
            [FieldError(f"filters.{e['field']}", e["code"], e["message"]) for e in errors]
        ) from exc
    options = ExportOptions.model_validate(body.model_dump(include=set(ExportOptions.model_fields)))
    return ExportSpec(
        target=body.target,
        options=options,
        filters=filters.model_dump(mode="json", exclude_none=True),
        lang=options.lang or ("ru" if current_locale() == "ru" else "en"),
    )


@router.post(
    "",
    response_model=ExportJobOut,
    status_code=202,
    summary="Start an export as a background job (any format, any size)",
)
async def start_export(
    body: ExportRequest, request: Request, principal: ReadPrincipalDep
) -> Response:
    spec = _request_spec(body)
    container = get_container(request)
    async with container.read_sessions() as session:
        plan = await service.prepare(
            session=session, principal=principal, spec=spec, settings=container.settings
        )
        rows = await service.count_rows(session, plan)
    service.check_size(plan, rows, container.settings)
    return await _start_job(container, principal, spec, rows)


@router.get(
    "/{job_id}/file",
    response_model=None,
    responses={
        200: {"description": "The exported file", "content": FILE_RESPONSES[200]["content"]}
    },
    summary="Download the file of a finished export job",
)
async def download_export(
    job_id: int, principal: ReadPrincipalDep, container: ContainerDep
) -> Response:
    async with container.read_sessions() as session:
        row = await jobs_repo.get_job(session, job_id=job_id, principal=principal)
    if row is None or row["kind"] != KIND:
        raise NotFound(EXPORT_NOT_FOUND, id=job_id)
    target = (row["params"] or {}).get("target")
    ensure(principal, Permission.catalog_read if target == "items" else Permission.orders_read)
    if row["status"] != "succeeded":
        raise Conflict(EXPORT_NOT_READY, id=job_id, status=row["status"])
    result = row["result"] or {}
    try:
        chunks = await container.storage.open(str(result.get("storage_key", "")))
    except (StoredObjectMissing, ValueError) as exc:
        raise NotFound(EXPORT_FILE_GONE, id=job_id) from exc
    headers = _file_headers(str(result.get("file_name") or f"export-{job_id}"))
    if result.get("size") is not None:
        headers["Content-Length"] = str(result["size"])
    return StreamingResponse(chunks, media_type=str(result.get("content_type")), headers=headers)
