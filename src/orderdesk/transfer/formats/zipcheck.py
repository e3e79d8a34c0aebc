"""Central-directory checks shared by office files and ZIP imports: counts, sizes, overlaps."""

from __future__ import annotations

import zipfile

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import FormatError, Limits, TooLarge

_RATIO_FLOOR = 1024 * 1024  # small parts (XML of a few rows) may compress very well, harmlessly
_LOCAL_HEADER = 30


def check_zip_entries(infos: list[zipfile.ZipInfo], limits: Limits, name: str) -> None:
    """Refuse a zip whose directory declares too many entries, too many bytes or shared data."""
    if len(infos) > limits.max_archive_members:
        raise TooLarge(
            "transfer.too_many_members",
            name=name,
            count=len(infos),
            limit=limits.max_archive_members,
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise TooLarge(
                "transfer.unpacked_too_large",
                name=name,
                member=info.filename,
                limit=limits.max_unpacked_bytes,
            )
        check_ratio(info.filename, info.file_size, info.compress_size, limits, name)
    check_overlaps(infos, name)


def check_ratio(member: str, size: int, packed: int, limits: Limits, name: str) -> None:
    """One member may not expand more than `max_compression_ratio` times (once it is big)."""
    if size <= _RATIO_FLOOR:
        return
    ratio = size / max(packed, 1)
    if ratio > limits.max_compression_ratio:
        raise TooLarge(
            "transfer.compression_ratio",
            name=name,
            member=member,
            ratio=int(ratio),
            limit=int(limits.max_compression_ratio),
        )


def check_overlaps(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Two entries whose local data overlap are the 'better zip bomb' construction."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for previous, current in zip(ordered, ordered[1:], strict=False):
        # The shortest the previous entry can be: header, name and packed data, no extra field.
        end = (
            previous.header_offset + _LOCAL_HEADER + _name_bytes(previous) + previous.compress_size
        )
        if current.header_offset < end:
            raise FormatError(
                "transfer.archive_overlap",
                name=name,
                member=previous.filename,
                other=current.filename,
            )


def _name_bytes(info: zipfile.ZipInfo) -> int:
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    return len(info.orig_filename.encode(encoding, "replace"))
