"""Helpers of the attachment API tests."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import httpx
from sqlalchemy import func, select

from orderdesk.container import Container
from orderdesk.files.models import Attachment


async def upload(
    client: httpx.AsyncClient,
    owner: str,
    headers: dict[str, str],
    name: str,
    content: bytes,
    **fields: Any,
) -> httpx.Response:
    """A browser-style multipart/form-data upload to /{owner}/attachments."""
    data = {
        key: str(value).lower() if isinstance(value, bool) else value
        for key, value in fields.items()
    }
    return await client.post(
        f"/api/v1/{owner}/attachments",
        files={"file": (name, content, "application/octet-stream")},
        data=data,
        headers=headers,
    )


def disposition_name(header: str) -> str:
    """The file name a user agent shows for a Content-Disposition (filename* wins)."""
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert match, header
    return unquote(match.group(1), errors="strict")


async def attachment_count(container: Container) -> int:
    async with container.read_sessions() as session:
        return int((await session.execute(select(func.count(Attachment.id)))).scalar_one())


async def stored_key(container: Container, attachment_id: int) -> str:
    async with container.read_sessions() as session:
        stmt = select(Attachment.storage_key).where(Attachment.id == attachment_id)
        return str((await session.execute(stmt)).scalar_one())


def stored_files(container: Container) -> list[str]:
    root = container.settings.effective_files_dir
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
