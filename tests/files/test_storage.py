"""Both storage backends keep, stream and delete bytes the same way (S3 through moto's server)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from orderdesk.files.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StoredObjectMissing,
    check_key,
    new_key,
)
from orderdesk.settings import Settings


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    overrides: dict[str, Any] = request.getfixturevalue("s3_settings")
    return S3Storage(Settings(**overrides))


async def chunks_of(data: bytes, size: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open(key)])


async def test_put_then_open_returns_the_same_bytes(storage: Storage) -> None:
    key = new_key()
    assert await storage.put(key, chunks_of(b"hello world")) == 11
    assert await storage.exists(key)
    assert await read_all(storage, key) == b"hello world"


async def test_a_multi_megabyte_object_streams_in_several_chunks(storage: Storage) -> None:
    data = os.urandom(12 * 1024 * 1024 + 17)
    key = new_key()
    assert await storage.put(key, chunks_of(data, 1024 * 1024)) == len(data)
    received = [chunk async for chunk in await storage.open(key)]
    assert len(received) > 1
    assert b"".join(received) == data


async def test_delete_removes_the_object_and_is_idempotent(storage: Storage) -> None:
    key = new_key()
    await storage.put(key, chunks_of(b"x"))
    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(StoredObjectMissing):
        await storage.open(key)
    await storage.delete(key)


async def test_a_failed_put_leaves_nothing_behind(storage: Storage) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"first part"
        raise RuntimeError("client went away")

    key = new_key()
    with pytest.raises(Exception, match="client went away"):
        await storage.put(key, broken())
    assert not await storage.exists(key)


@pytest.mark.parametrize("key", ["", "../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", "a\\b"])
def test_keys_cannot_escape_the_root(key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        check_key(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        LocalStorage(tmp_path)._path(key)


async def test_local_put_leaves_no_temporary_files(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = new_key()
    await storage.put(key, chunks_of(b"data"))
    assert [p.name for p in (tmp_path / key).parent.iterdir()] == [key.split("/")[1]]
