"""Upload checks (size, sniffed type, extension) and the copy into storage with its sha256."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO

from orderdesk.core.errors import AppError, PayloadTooLarge
from orderdesk.files import sniff
from orderdesk.files.errors import UnsupportedMediaType
from orderdesk.files.storage import CHUNK_SIZE, Storage, discard
from orderdesk.settings import Settings

# A multipart body carries boundaries and part headers besides the file itself.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    """How big an upload may be and which sniffed types are accepted."""

    max_bytes: int
    allowed_types: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadPolicy:
        allowed = frozenset(settings.upload_allowed_types) or sniff.KNOWN_TYPES
        return cls(max_bytes=settings.upload_max_bytes, allowed_types=allowed)

    @classmethod
    def for_imports(cls, settings: Settings) -> UploadPolicy:
        """Files to import: their own size limit, the same accepted types."""
        allowed = frozenset(settings.upload_allowed_types) or sniff.KNOWN_TYPES
        return cls(max_bytes=settings.import_max_bytes, allowed_types=allowed)

    @property
    def max_body_bytes(self) -> int:
        """The request body limit of upload routes."""
        return self.max_bytes + MULTIPART_OVERHEAD


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """An uploaded file already received into a seekable (spooled) temporary file."""

    name: str
    file: BinaryIO


@dataclass(frozen=True, slots=True)
class StoredFile:
    size: int
    sha256: str


def check_size(size: int, policy: UploadPolicy) -> None:
    if size > policy.max_bytes:
        raise PayloadTooLarge("attachment.too_large", limit=policy.max_bytes)
    if size == 0:
        raise AppError("attachment.empty")


def classify(file: BinaryIO, name: str, policy: UploadPolicy) -> sniff.Kind:
    """The sniffed kind, if it is allowed and agrees with the file's extension (else 415)."""
    kind = sniff.sniff(file, name)
    if kind is None:
        raise UnsupportedMediaType("attachment.type_unknown")
    if kind.mime not in policy.allowed_types:
        raise UnsupportedMediaType("attachment.type_not_allowed", detected=kind.mime)
    extension = sniff.extension_of(name)
    if extension and extension not in kind.extensions:
        raise UnsupportedMediaType(
            "attachment.extension_mismatch", extension=extension, detected=kind.mime
        )
    return kind


def file_size(file: BinaryIO) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


async def store(storage: Storage, key: str, file: BinaryIO, policy: UploadPolicy) -> StoredFile:
    """Copy the file into storage in chunks, hashing and counting it on the way."""
    digest = hashlib.sha256()
    size = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal size
        file.seek(0)
        while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
            size += len(chunk)
            if size > policy.max_bytes:  # the file grew after it was checked
                raise PayloadTooLarge("attachment.too_large", limit=policy.max_bytes)
            digest.update(chunk)
            yield chunk

    try:
        await storage.put(key, chunks())
    except BaseException:
        await discard(storage, key)
        raise
    return StoredFile(size=size, sha256=digest.hexdigest())
