"""Import routes: upload, preview, commit, follow, cancel, error report; import profiles."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from starlette.responses import Response, StreamingResponse

from orderdesk.core.deps import ContainerDep, PrincipalDep, ReadPrincipalDep, SessionDep
from orderdesk.core.http import json_response
from orderdesk.core.i18n import current_locale
from orderdesk.core.listing import PageDep
from orderdesk.core.schemas import PageOut
from orderdesk.files.names import content_disposition
from orderdesk.files.upload import IncomingFile, UploadPolicy
from orderdesk.transfer.importing import jobs as _jobs  # noqa: F401  (declares import.commit)
from orderdesk.transfer.importing import profiles, service
from orderdesk.transfer.importing.report import iter_file
from orderdesk.transfer.importing.schemas import (
    ImportOptions,
    ImportOut,
    PreviewOut,
    ProfileCreate,
    ProfileOut,
)

router = APIRouter(prefix="/imports", tags=["imports"])
# The upload route gets the upload body limit (see app.py and BodySizeLimitMiddleware).
UPLOAD_PATH = re.compile(r"^/api/v1/imports/?$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/profiles", response_model=PageOut[ProfileOut], summary="Saved import profiles")
async def list_profiles(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    result = await profiles.list_profiles(session=session, principal=principal, page=page)
    return json_response(result.as_dict())


@router.post("/profiles", response_model=ProfileOut, status_code=201, summary="Save a profile")
async def create_profile(
    data: ProfileCreate, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await profiles.create_profile(session=session, principal=principal, data=data)
    return json_response(row, 201)


@router.delete("/profiles/{profile_id}", status_code=204, summary="Delete a profile")
async def delete_profile(profile_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    await profiles.delete_profile(session=session, principal=principal, profile_id=profile_id)
    return Response(status_code=204)


@router.post("", response_model=ImportOut, status_code=201, summary="Upload a file to import")
async def upload(
    file: Annotated[UploadFile, File(description="The file (multipart/form-data)")],
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    row = await service.upload(
        session=session,
        principal=principal,
        storage=container.storage,
        policy=UploadPolicy.for_imports(container.settings),
        incoming=IncomingFile(name=file.filename or "", file=file.file),
    )
    return json_response(row, 201)


@router.get("", response_model=PageOut[ImportOut], summary="Imports, newest first")
async def list_imports(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    result = await service.list_imports(session=session, principal=principal, page=page)
    return json_response(result.as_dict())


@router.get("/{import_id}", response_model=ImportOut, summary="An import with counts and status")
async def get_import(import_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_import(session=session, principal=principal, import_id=import_id)
    return json_response(row)


@router.post(
    "/{import_id}/preview",
    response_model=PreviewOut,
    summary="Detect, map and check the first rows",
)
async def preview(
    import_id: int, options: ImportOptions, principal: ReadPrincipalDep, container: ContainerDep
) -> Response:
    # Writes nothing: a read session, so a running import on SQLite does not block it.
    async with container.read_sessions() as session:
        row = await service.preview(
            session=session,
            principal=principal,
            storage=container.storage,
            import_id=import_id,
            options=options,
        )
    return json_response(row)


@router.post(
    "/{import_id}/commit",
    response_model=ImportOut,
    status_code=202,
    summary="Run the import as a job",
)
async def commit(
    import_id: int,
    options: ImportOptions,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    row = await service.commit(
        session=session,
        principal=principal,
        storage=container.storage,
        import_id=import_id,
        options=options,
    )
    return json_response(row, 202)


@router.post(
    "/{import_id}/cancel", response_model=ImportOut, status_code=202, summary="Cancel the import"
)
async def cancel(import_id: int, principal: ReadPrincipalDep, container: ContainerDep) -> Response:
    async with container.read_sessions() as session:
        job_id = await service.job_id_of(session=session, principal=principal, import_id=import_id)
    # Stop a job running here first: on SQLite its transaction holds the write lock.
    runner = container.jobs.runner
    stopped_here = job_id is not None and runner is not None and runner.cancel_local(job_id)
    async with container.write_sessions() as session:
        row = await service.cancel(
            session=session, principal=principal, import_id=import_id, stopped_here=stopped_here
        )
        await session.commit()
    return json_response(row, 202)


@router.get(
    "/{import_id}/report",
    response_class=StreamingResponse,
    summary="The error report (row, column, value, reason) as CSV or XLSX",
)
async def report(
    import_id: int,
    principal: ReadPrincipalDep,
    container: ContainerDep,
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",  # noqa: A002
) -> Response:
    async with container.read_sessions() as session:
        name, body = await service.report(
            session=session, principal=principal, storage=container.storage,
            import_id=import_id, fmt=format, locale=current_locale(),
        )  # fmt: skip
    filename = f"{PurePath(name).stem}-errors.{format}"
    headers = {"Content-Disposition": content_disposition(filename)}
    if format == "xlsx":
        return StreamingResponse(iter_file(body), media_type=XLSX, headers=headers)
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=headers)
