"""What a file is, from its bytes: the extension only names what the sender claimed."""

from __future__ import annotations

import io
from itertools import islice
from pathlib import Path

import ijson
import orjson

from orderdesk.core.i18n import t
from orderdesk.files import sniff
from orderdesk.transfer import messages  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import (
    FormatError,
    ReadContext,
    Source,
    TooLarge,
    UnsupportedFormat,
)
from orderdesk.transfer.formats.delimited import sniff_delimiter
from orderdesk.transfer.formats.text import detect_encoding, head_text, sample

EXTENSIONS = {
    "csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "txt": "txt",
    "text": "txt",
    "prn": "txt",
    "dat": "txt",
    "json": "json",
    "ndjson": "json",
    "jsonl": "json",
    "xml": "xml",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "xls": "xls",
    "ods": "ods",
    "docx": "docx",
    "doc": "doc",
    "pdf": "pdf",
    "zip": "zip",
    "rar": "rar",
}
# Text tables differ only in their delimiter; a tab-separated ".csv" is not worth a warning.
TEXT_TABLES = frozenset({"csv", "tsv", "txt"})
_BY_KIND = {
    sniff.PDF: "pdf",
    sniff.ZIP: "zip",
    sniff.RAR: "rar",
    sniff.XLSX: "xlsx",
    sniff.DOCX: "docx",
    sniff.ODS: "ods",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# Control characters other than tab and line ends, deleted by str.translate to count them.
_CONTROLS = dict.fromkeys(ch for ch in range(32) if ch not in (9, 10, 12, 13))
_MAX_CONTROL_SHARE = 0.01
_JSON_EVENTS = 10_000
_OLE2_STREAMS = (("worddocument", "doc"), ("workbook", "xls"), ("book", "xls"))


def detect(path: Path, filename: str, context: ReadContext) -> Source:
    """The file's format, encoding and delimiter (text), and a note when the extension disagrees.

    Text settings are also stored in `context.options` (unless the caller set them) so the
    reader does not decide them a second time.
    """
    size = path.stat().st_size
    if size == 0:
        raise FormatError("transfer.empty_file", filename=filename)
    if size > context.limits.max_file_bytes:
        raise TooLarge("transfer.file_too_large", limit=context.limits.max_file_bytes)
    with path.open("rb") as file:
        head = file.read(sniff.HEAD_SIZE)
        kind = sniff.sniff(file, filename)
    source = _binary(path, head, kind, filename)
    if source is None:
        source = _text(path, filename, context)
    _declare(source, filename)
    return source


def _binary(path: Path, head: bytes, kind: sniff.Kind | None, filename: str) -> Source | None:
    if head.startswith(_OLE2):
        return Source(_ole2_format(path, filename), iter(()))
    if kind in _BY_KIND:
        return Source(_BY_KIND[kind], iter(()))
    if kind is not None and kind not in (sniff.TEXT, sniff.CSV):
        raise UnsupportedFormat("transfer.format_unsupported", format=kind.mime)
    if kind is None and head.startswith(_ZIP):
        raise FormatError("transfer.damaged_container", filename=filename, format="ZIP")
    return None


def _ole2_format(path: Path, filename: str) -> str:
    """Word and Excel 97–2003 share one container; their stream names tell them apart."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            names = {entry[0].lower() for entry in ole.listdir(streams=True, storages=False)}
    except (OSError, ValueError, IndexError, TypeError) as exc:
        raise FormatError("transfer.damaged_container", filename=filename, format="OLE2") from exc
    for stream, fmt in _OLE2_STREAMS:
        if stream in names:
            return fmt
    raise UnsupportedFormat("transfer.format_unsupported", format="OLE2")


def _text(path: Path, filename: str, context: ReadContext) -> Source:
    options = context.options
    data = sample(path)
    if _looks_like_xml(data):
        return Source("xml", iter(()))
    try:
        encoding = options.get("encoding") or detect_encoding(data, filename)
        text = head_text(path, encoding)
    except FormatError:
        if _control_share(data.decode("latin-1")) < _MAX_CONTROL_SHARE:
            raise  # text in an encoding we cannot tell: say so, not "unknown format"
        raise UnsupportedFormat("transfer.unknown_binary", filename=filename) from None
    if _control_share(text) >= _MAX_CONTROL_SHARE:
        raise UnsupportedFormat("transfer.unknown_binary", filename=filename)
    options.setdefault("encoding", encoding)
    if _looks_like_json(text):
        return Source("json", iter(()), encoding=encoding)
    if "delimiter" not in options:
        options["delimiter"] = sniff_delimiter(text)
    delimiter = options["delimiter"]
    fmt = "txt" if delimiter is None else "tsv" if delimiter == "\t" else "csv"
    options.setdefault("format", fmt)
    return Source(fmt, iter(()), encoding=encoding, delimiter=delimiter)


def _control_share(text: str) -> float:
    """The share of control characters: binary junk is full of them, a damaged text has a few."""
    if not text:
        return 0.0
    controls = len(text) - len(text.translate(_CONTROLS))
    return controls / len(text)


def _looks_like_xml(data: bytes) -> bool:
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"<?xml"):
        return True
    for prefix in (b"\xff\xfe<\x00", b"\xfe\xff\x00<"):  # UTF-16 with BOM
        if data.startswith(prefix):
            return True
    return start[:1] == b"<" and start[1:2].isalpha() or start.startswith(b"<!--")


def _looks_like_json(text: str) -> bool:
    """Starts with `[` or `{` and parses as far as the sample goes (or is NDJSON)."""
    start = text.lstrip("\ufeff \t\r\n")
    if start[:1] not in ("[", "{"):
        return False
    first_line = start.split("\n", 1)[0]
    try:
        if isinstance(orjson.loads(first_line), dict):
            return True  # a whole object on the first line: NDJSON or a one-line document
    except orjson.JSONDecodeError:
        pass
    try:
        # basic_parse builds no prefixes: with `parse`, 100,000 nested "[" would cost O(depth²).
        for _ in islice(ijson.basic_parse(io.BytesIO(start.encode())), _JSON_EVENTS):
            pass
    except ijson.common.IncompleteJSONError as exc:
        return "premature EOF" in str(exc) or "incomplete" in str(exc).lower()
    return True


def _declare(source: Source, filename: str) -> None:
    extension = sniff.extension_of(filename)
    declared = EXTENSIONS.get(extension)
    if declared is None:
        return
    if declared in TEXT_TABLES and source.format in TEXT_TABLES:
        declared = source.format
    source.declared_format = declared
    if source.mismatch:
        source.notes.append(
            t("transfer.format_mismatch", extension=extension, detected=source.format.upper())
        )
