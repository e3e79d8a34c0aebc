"""Where file bytes live: a local directory (default) or an S3-compatible bucket (obstore)."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

import structlog

from orderdesk.settings import Settings, StorageBackend

log = structlog.get_logger("orderdesk.files")

CHUNK_SIZE = 256 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class StoredObjectMissing(LookupError):
    """The storage has no object under the key."""


class Storage(Protocol):
    """Byte storage addressed by keys such as `ab/ab12….bin`."""

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Store the chunks under the key (replacing it); return the size written."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes as chunks; raises StoredObjectMissing if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under the key."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that are empty, absolute, or step outside the root (`..`)."""
    if len(key) > 512 or not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def new_key() -> str:
    """A fresh random key, fanned out over 256 folders."""
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name}"


class LocalStorage:
    """Files under one root directory; a put writes a temporary file and renames it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"invalid storage key: {key!r}")
        return path

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        handle = await asyncio.to_thread(temp.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush, handle)
        except BaseException:
            handle.close()
            temp.unlink(missing_ok=True)
            raise
        handle.close()
        await asyncio.to_thread(os.replace, temp, path)
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc
        return _read_chunks(handle)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


async def _read_chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
            yield chunk
    finally:
        handle.close()


class S3Storage:
    """Objects in an S3-compatible bucket; big puts become multipart uploads (obstore)."""

    def __init__(self, settings: Settings) -> None:
        from obstore.store import S3Store

        self.prefix = settings.s3_prefix.strip("/")
        credentials: dict[str, str] = {}
        if settings.s3_access_key_id:
            credentials = {
                "access_key_id": settings.s3_access_key_id,
                "secret_access_key": settings.s3_secret_access_key,
            }
        endpoint = settings.s3_endpoint_url or None
        self.store = S3Store(
            settings.s3_bucket,
            region=settings.s3_region,
            endpoint=endpoint,
            client_options={"allow_http": bool(endpoint and endpoint.startswith("http://"))},
            **credentials,  # type: ignore[arg-type]
        )

    def _path(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        import obstore

        size = 0

        async def counted() -> AsyncIterator[bytes]:
            nonlocal size
            async for chunk in chunks:
                size += len(chunk)
                yield chunk

        await obstore.put_async(self.store, self._path(key), counted())
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        import obstore

        try:
            result = await obstore.get_async(self.store, self._path(key))
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc
        return _bytes_of(result.stream(min_chunk_size=CHUNK_SIZE))

    async def delete(self, key: str) -> None:
        import obstore

        await obstore.delete_async(self.store, self._path(key))

    async def exists(self, key: str) -> bool:
        import obstore

        try:
            await obstore.head_async(self.store, self._path(key))
        except FileNotFoundError:
            return False
        return True


async def _bytes_of(stream: AsyncIterable[object]) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield bytes(chunk)  # type: ignore[call-overload]


async def discard(storage: Storage, key: str) -> None:
    """Delete an object that must go, logging instead of raising if the storage refuses."""
    try:
        await storage.delete(key)
    except Exception:
        # An orphaned object is harmless; the caller's own outcome matters more.
        log.warning("storage_delete_failed", key=key, exc_info=True)


def build_storage(settings: Settings) -> Storage:
    """The storage backend the settings choose."""
    if settings.storage_backend is StorageBackend.s3:
        return S3Storage(settings)
    return LocalStorage(settings.effective_files_dir)
