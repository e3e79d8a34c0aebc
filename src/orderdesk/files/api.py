"""Attachment routes: list and upload per item or order; metadata, content, change, delete."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response, StreamingResponse

from orderdesk.container import Container
from orderdesk.core.deps import ContainerDep, PrincipalDep, SessionDep
from orderdesk.core.http import if_match_version, json_response, record_response
from orderdesk.core.permissions import Principal
from orderdesk.files import service
from orderdesk.files.names import content_disposition
from orderdesk.files.schemas import AttachmentList, AttachmentOut, AttachmentUpdate, Category
from orderdesk.files.storage import discard
from orderdesk.files.upload import IncomingFile, UploadPolicy

router = APIRouter(tags=["files"])

# Upload routes get their own body limit (see app.py and BodySizeLimitMiddleware).
UPLOAD_PATH = re.compile(r"^/api/v1/(items|orders)/[^/]+/attachments/?$")

FileField = Annotated[UploadFile, File(description="The file (multipart/form-data)")]
CategoryField = Annotated[Category, Form()]
CurrentField = Annotated[bool, Form()]


async def _list(
    session: AsyncSession,
    principal: Principal,
    owner_type: str,
    owner_id: int,
    category: str | None,
) -> Response:
    rows = await service.list_attachments(
        session=session,
        principal=principal,
        owner_type=owner_type,
        owner_id=owner_id,
        category=category,
    )
    return json_response({"items": rows})


async def _upload(
    container: Container,
    session: AsyncSession,
    principal: Principal,
    owner: tuple[str, int],
    file: UploadFile,
    category: str,
    is_current: bool,
) -> Response:
    row = await service.upload_attachment(
        session=session,
        principal=principal,
        storage=container.storage,
        policy=UploadPolicy.from_settings(container.settings),
        owner_type=owner[0],
        owner_id=owner[1],
        incoming=IncomingFile(name=file.filename or "", file=file.file),
        category=category,
        is_current=is_current,
    )
    return record_response(row, 201)


@router.get(
    "/items/{item_id}/attachments", response_model=AttachmentList, summary="Item attachments"
)
async def list_item_attachments(
    item_id: int, session: SessionDep, principal: PrincipalDep, category: str | None = None
) -> Response:
    return await _list(session, principal, "item", item_id, category)


@router.post(
    "/items/{item_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    summary="Attach a file to an item",
)
async def upload_item_attachment(
    item_id: int,
    container: ContainerDep,
    session: SessionDep,
    principal: PrincipalDep,
    file: FileField,
    category: CategoryField = "",
    is_current: CurrentField = False,
) -> Response:
    owner = ("item", item_id)
    return await _upload(container, session, principal, owner, file, category, is_current)


@router.get(
    "/orders/{order_id}/attachments", response_model=AttachmentList, summary="Order attachments"
)
async def list_order_attachments(
    order_id: int, session: SessionDep, principal: PrincipalDep, category: str | None = None
) -> Response:
    return await _list(session, principal, "order", order_id, category)


@router.post(
    "/orders/{order_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    summary="Attach a file to an order",
)
async def upload_order_attachment(
    order_id: int,
    container: ContainerDep,
    session: SessionDep,
    principal: PrincipalDep,
    file: FileField,
    category: CategoryField = "",
    is_current: CurrentField = False,
) -> Response:
    owner = ("order", order_id)
    return await _upload(container, session, principal, owner, file, category, is_current)


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut, summary="An attachment")
async def get_attachment(
    attachment_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.get_attachment(
        session=session, principal=principal, attachment_id=attachment_id
    )
    return record_response(row)


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=StreamingResponse,
    summary="Download an attachment's file",
)
async def download_attachment(
    attachment_id: int, session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    row, chunks = await service.open_content(
        session=session,
        principal=principal,
        storage=container.storage,
        attachment_id=attachment_id,
    )
    headers = {
        "Content-Disposition": content_disposition(row["original_name"]),
        "Content-Length": str(row["size"]),
        "ETag": f'"{row["sha256"]}"',
        "Cache-Control": "private, no-cache",
    }
    return StreamingResponse(chunks, media_type=row["content_type"], headers=headers)


@router.patch(
    "/attachments/{attachment_id}", response_model=AttachmentOut, summary="Change an attachment"
)
async def update_attachment(
    attachment_id: int,
    body: AttachmentUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    row = await service.update_attachment(
        session=session,
        principal=principal,
        attachment_id=attachment_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)


@router.delete("/attachments/{attachment_id}", status_code=204, summary="Delete an attachment")
async def delete_attachment(
    attachment_id: int,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
    background: BackgroundTasks,
) -> Response:
    key = await service.delete_attachment(
        session=session,
        principal=principal,
        attachment_id=attachment_id,
        expected_version=if_match_version(request),
    )
    # Background tasks run after the response, so after the request's commit: a rolled-back
    # delete never loses its file.
    background.add_task(discard, container.storage, key)
    return Response(status_code=204)
