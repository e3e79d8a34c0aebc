"""ZIP and RAR imports: every supported member is detected and read, within hard caps.

Members are never written under their own names: each is streamed, with a byte counter, into
a numbered file of a private temporary directory, so an entry named `../../etc/passwd` cannot
escape even before it is rejected. The directory goes away when the iteration ends.
"""

from __future__ import annotations

import importlib
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import rarfile

from orderdesk.transfer import messages_binary, messages_sheets  # noqa: F401  (registers texts)
from orderdesk.transfer.formats.base import (
    FormatError,
    ReadContext,
    Sheet,
    TooLarge,
    UnsupportedFormat,
    reader,
    reader_for,
)
from orderdesk.transfer.formats.zipcheck import check_ratio, check_zip_entries

ARCHIVE_FORMATS = frozenset({"zip", "rar"})
_COPY_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_S_IFMT, _S_IFLNK = 0o170000, 0o120000


@dataclass(frozen=True, slots=True)
class Member:
    """One archive entry, whatever the container."""

    name: str
    size: int
    packed: int
    is_dir: bool
    is_symlink: bool
    encrypted: bool
    open: Callable[[], IO[bytes]]


@reader("zip")
def read_zip(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Sheets of every supported member of a ZIP archive."""
    _check_depth(context)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _corrupt(context, "ZIP", exc) from None
    with archive:
        infos = archive.infolist()
        check_zip_entries(infos, context.limits, context.filename)
        members = [_zip_member(archive, info) for info in infos]
        yield from _read_members(members, context)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Member:
    unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
    return Member(
        name=info.filename,
        size=info.file_size,
        packed=info.compress_size,
        is_dir=info.is_dir(),
        is_symlink=unix_mode & _S_IFMT == _S_IFLNK,
        encrypted=bool(info.flag_bits & 0x1),
        open=lambda: archive.open(info),
    )


@reader("rar")
def read_rar(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Sheets of every supported member of a RAR archive (compressed ones need a tool)."""
    _check_depth(context)
    try:
        archive = rarfile.RarFile(str(path))
    except rarfile.NeedFirstVolume:
        raise _corrupt(context, "RAR", "multi-volume archives are not supported") from None
    except (rarfile.Error, OSError, EOFError) as exc:
        raise _corrupt(context, "RAR", exc) from None
    with archive:
        infos = archive.infolist()
        _check_rar_entries(infos, context)
        members = [_rar_member(archive, info) for info in infos]
        yield from _read_members(members, context)


def _check_rar_entries(infos: list[rarfile.RarInfo], context: ReadContext) -> None:
    limits, name = context.limits, context.filename
    if len(infos) > limits.max_archive_members:
        raise TooLarge(
            "transfer.too_many_members",
            name=name,
            count=len(infos),
            limit=limits.max_archive_members,
        )
    total = 0
    for info in infos:
        total += info.file_size or 0
        if total > limits.max_unpacked_bytes:
            raise TooLarge(
                "transfer.unpacked_too_large",
                name=name,
                member=info.filename,
                limit=limits.max_unpacked_bytes,
            )
        check_ratio(str(info.filename), info.file_size or 0, info.compress_size or 0, limits, name)


def _rar_member(archive: rarfile.RarFile, info: rarfile.RarInfo) -> Member:
    return Member(
        name=str(info.filename),
        size=info.file_size or 0,
        packed=info.compress_size or 0,
        is_dir=info.is_dir(),
        is_symlink=info.is_symlink() or info.file_redir is not None,
        encrypted=info.needs_password(),
        open=lambda: archive.open(info),
    )


def _read_members(members: list[Member], context: ReadContext) -> Iterator[Sheet]:
    workdir = Path(tempfile.mkdtemp(prefix="orderdesk-archive-"))
    try:
        spent = _Budget(context)
        for index, member in enumerate(members):
            if member.is_dir or _rejected(member, context):
                continue
            target = workdir / f"{index}{_safe_suffix(member.name)}"
            _extract(member, target, spent, context)
            yield from _read_extracted(target, member.name, context)
            target.unlink(missing_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _rejected(member: Member, context: ReadContext) -> bool:
    """Unsafe or unreadable entries are skipped and reported, never extracted."""
    key = None
    if not is_safe_member_name(member.name):
        key = "transfer.member_unsafe_path"
    elif member.is_symlink:
        key = "transfer.member_symlink"
    elif member.encrypted:
        key = "transfer.member_encrypted"
    if key is not None:
        context.skip(member.name, key)
    return key is not None


def is_safe_member_name(name: str) -> bool:
    """No absolute paths, drive letters, parent references or control characters."""
    normalised = name.replace("\\", "/")
    if not normalised or normalised.startswith("/") or _DRIVE.match(normalised):
        return False
    if any(ord(char) < 32 for char in normalised):
        return False
    return ".." not in PurePosixPath(normalised).parts


def _safe_suffix(name: str) -> str:
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


class _Budget:
    """Bytes really written across all members, against `max_unpacked_bytes`."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.spent = 0

    def add(self, count: int, member: str) -> None:
        self.spent += count
        if self.spent > self.context.limits.max_unpacked_bytes:
            raise TooLarge(
                "transfer.unpacked_too_large",
                name=self.context.filename,
                member=member,
                limit=self.context.limits.max_unpacked_bytes,
            )


def _extract(member: Member, target: Path, budget: _Budget, context: ReadContext) -> None:
    """Stream one member to disk, stopping at the byte and ratio caps, whatever it declared."""
    written = 0
    try:
        with member.open() as source, target.open("wb") as sink:
            while chunk := source.read(_COPY_CHUNK):
                written += len(chunk)
                budget.add(len(chunk), member.name)
                check_ratio(member.name, written, member.packed, context.limits, context.filename)
                sink.write(chunk)
    except rarfile.RarCannotExec:
        raise UnsupportedFormat("transfer.rar_needs_tool") from None
    except (zipfile.BadZipFile, zlib.error, rarfile.Error, EOFError, OSError) as exc:
        raise FormatError(
            "transfer.member_failed",
            name=context.filename,
            member=member.name,
            reason=str(exc)[:200] or type(exc).__name__,
        ) from None


def _read_extracted(target: Path, member: str, context: ReadContext) -> Iterator[Sheet]:
    """Detect the member's real format and read it with its own reader, one level deeper."""
    child = ReadContext(
        limits=context.limits,
        filename=f"{context.filename}/{member}",
        depth=context.depth + 1,
        options=context.options,
        notes=context.notes,
        skipped=context.skipped,
    )
    if target.stat().st_size == 0:
        context.skip(member, "transfer.member_empty")
        return
    detect = importlib.import_module("orderdesk.transfer.formats.detect").detect
    try:
        found = str(detect(target, PurePosixPath(member).name, child).format)
    except UnsupportedFormat:
        found = "?"
    read = reader_for(found)
    if read is None:
        context.skip(member, "transfer.member_unsupported", format=found)
        return
    yield from read(target, child)


def _check_depth(context: ReadContext) -> None:
    if context.depth >= context.limits.max_archive_depth:
        raise TooLarge(
            "transfer.archive_too_deep",
            name=context.filename,
            limit=context.limits.max_archive_depth,
        )


def _corrupt(context: ReadContext, label: str, reason: object) -> FormatError:
    return FormatError(
        "transfer.corrupt_file", name=context.filename, format=label, reason=str(reason)[:200]
    )
