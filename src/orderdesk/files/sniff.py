"""Content types from magic bytes, never from the client: the allow-list and its extensions."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

HEAD_SIZE = 64 * 1024
MAX_ZIP_MEMBERS_SCANNED = 10_000


@dataclass(frozen=True, slots=True)
class Kind:
    """One type orderdesk accepts: its MIME type and the file extensions it may carry."""

    mime: str
    extensions: frozenset[str]


def _kind(mime: str, *extensions: str) -> Kind:
    return Kind(mime, frozenset(extensions))


PDF = _kind("application/pdf", "pdf")
PNG = _kind("image/png", "png")
JPEG = _kind("image/jpeg", "jpg", "jpeg", "jpe", "jfif")
GIF = _kind("image/gif", "gif")
WEBP = _kind("image/webp", "webp")
TIFF = _kind("image/tiff", "tif", "tiff")
BMP = _kind("image/bmp", "bmp")
DOCX = _kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = _kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "xlsm")
PPTX = _kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
ODT = _kind("application/vnd.oasis.opendocument.text", "odt")
ODS = _kind("application/vnd.oasis.opendocument.spreadsheet", "ods")
ODP = _kind("application/vnd.oasis.opendocument.presentation", "odp")
DOC = _kind("application/msword", "doc")
XLS = _kind("application/vnd.ms-excel", "xls")
PPT = _kind("application/vnd.ms-powerpoint", "ppt")
RTF = _kind("application/rtf", "rtf")
ZIP = _kind("application/zip", "zip")
SEVEN_ZIP = _kind("application/x-7z-compressed", "7z")
RAR = _kind("application/vnd.rar", "rar")
GZIP = _kind("application/gzip", "gz", "tgz")
CSV = _kind("text/csv", "csv", "tsv")
TEXT = _kind("text/plain", "txt", "text", "log", "md", "json", "xml")

KINDS: tuple[Kind, ...] = (PDF, PNG, JPEG, GIF, WEBP, TIFF, BMP, DOCX, XLSX, PPTX, ODT, ODS)
KINDS += (ODP, DOC, XLS, PPT, RTF, ZIP, SEVEN_ZIP, RAR, GZIP, CSV, TEXT)
KNOWN_TYPES = frozenset(kind.mime for kind in KINDS)

# (prefix, kind) checked in order against the first bytes.
_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"{\\rtf", RTF),
    (b"7z\xbc\xaf\x27\x1c", SEVEN_ZIP),
    (b"Rar!\x1a\x07", RAR),
    (b"\x1f\x8b", GZIP),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_BY_EXTENSION = {"doc": DOC, "xls": XLS, "ppt": PPT}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_ODF = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
}
_TEXT_CONTROLS = bytes(sorted(set(range(32)) - {9, 10, 12, 13}))
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 108, 124})


def extension_of(name: str) -> str:
    """The lower-case extension without the dot, or "" when the name has none."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def sniff(file: BinaryIO, filename: str) -> Kind | None:
    """The kind the bytes say they are, or None when they are nothing on the list.

    The filename only tells the legacy Office formats apart (one OLE2 container holds
    .doc, .xls and .ppt alike) and CSV from other text; it never decides alone.
    """
    file.seek(0)
    head = file.read(HEAD_SIZE)
    file.seek(0)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return BMP
    if head.startswith(_OLE2):
        return _OLE2_BY_EXTENSION.get(extension_of(filename), DOC)
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(file)
    if _is_text(head):
        return CSV if extension_of(filename) in CSV.extensions else TEXT
    return None


def _zip_entries(file: BinaryIO) -> int | None:
    """The member count in the end-of-central-directory record, read without parsing it all."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - 22 - 65_535))
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _zip_kind(file: BinaryIO) -> Kind | None:
    """OOXML and OpenDocument are ZIP files with known parts; anything else is a plain ZIP.

    The central directory is parsed only when it is small: a 50 MB archive of empty members
    would otherwise cost hundreds of MB of member records.
    """
    try:
        entries = _zip_entries(file)
        if entries is None:
            return None
        if entries > MAX_ZIP_MEMBERS_SCANNED:  # also ZIP64 archives, whose count reads 0xFFFF
            return ZIP
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    odf = _ODF.get(member.read(100).strip())
                if odf:
                    return odf
            if "[Content_Types].xml" in names:
                for prefix, kind in _OOXML_PARTS:
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    finally:
        file.seek(0)
    return ZIP


def _is_text(head: bytes) -> bool:
    """Text: no NUL or stray control bytes, and valid UTF-8 or Windows-1251."""
    if not head or len(head.translate(None, _TEXT_CONTROLS)) != len(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut by the sample's end
            try:
                head.decode("cp1251")
            except UnicodeDecodeError:
                return False
    return True
