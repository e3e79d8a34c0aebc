"""Content types come from the bytes: the allow-list, extension agreement, text encodings."""

from __future__ import annotations

import io
import zipfile

import pytest

from orderdesk.core.errors import PayloadTooLarge
from orderdesk.files import sniff
from orderdesk.files.errors import UnsupportedMediaType
from orderdesk.files.upload import UploadPolicy, check_size, classify
from tests.files import samples

POLICY = UploadPolicy(max_bytes=1024 * 1024, allowed_types=sniff.KNOWN_TYPES)


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (samples.PDF, "Сертификат.pdf", "application/pdf"),
        (samples.png(), "photo.png", "image/png"),
        (samples.JPEG, "photo.JPG", "image/jpeg"),
        (samples.xlsx(), "prices.xlsx", sniff.XLSX.mime),
        (samples.docx(), "contract.docx", sniff.DOCX.mime),
        (samples.ods(), "prices.ods", sniff.ODS.mime),
        (samples.plain_zip(), "bundle.zip", "application/zip"),
        (samples.ole2(), "old.xls", "application/vnd.ms-excel"),
        (samples.ole2(), "old.doc", "application/msword"),
        (samples.TEXT_UTF8, "notes.txt", "text/plain"),
        (samples.TEXT_CP1251, "notes.txt", "text/plain"),
        (samples.CSV, "prices.csv", "text/csv"),
        (samples.PDF, "no-extension", "application/pdf"),
    ],
)
def test_accepted_files_are_typed_by_their_bytes(content: bytes, name: str, mime: str) -> None:
    assert classify(io.BytesIO(content), name, POLICY).mime == mime


def test_a_pdf_renamed_to_xlsx_is_refused_naming_both_types() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        classify(io.BytesIO(samples.PDF), "prices.xlsx", POLICY)
    assert caught.value.status == 415
    assert caught.value.params == {"extension": "xlsx", "detected": "application/pdf"}


def test_an_xlsx_renamed_to_docx_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        classify(io.BytesIO(samples.xlsx()), "contract.docx", POLICY)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (samples.ELF, "tool"),
        (samples.ELF, "tool.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", "setup.exe"),
        (b"\x00\x01\x02\x03binary", "data.bin"),
    ],
)
def test_executables_and_unknown_binaries_are_refused(content: bytes, name: str) -> None:
    with pytest.raises(UnsupportedMediaType):
        classify(io.BytesIO(content), name, POLICY)


def test_text_with_a_foreign_extension_is_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        classify(io.BytesIO(b"<script>alert(1)</script>"), "page.html", POLICY)


def test_a_type_left_out_of_the_allow_list_is_refused() -> None:
    only_pdf = UploadPolicy(max_bytes=1024, allowed_types=frozenset({"application/pdf"}))
    assert classify(io.BytesIO(samples.PDF), "a.pdf", only_pdf).mime == "application/pdf"
    with pytest.raises(UnsupportedMediaType) as caught:
        classify(io.BytesIO(samples.png()), "a.png", only_pdf)
    assert caught.value.params == {"detected": "image/png"}


def test_a_broken_zip_is_not_accepted() -> None:
    with pytest.raises(UnsupportedMediaType):
        classify(io.BytesIO(b"PK\x03\x04" + b"\x00" * 40), "a.zip", POLICY)


def test_sniffing_leaves_the_file_at_its_start() -> None:
    file = io.BytesIO(samples.xlsx())
    classify(file, "a.xlsx", POLICY)
    assert file.tell() == 0


def test_sizes_over_the_limit_and_empty_files_are_refused() -> None:
    check_size(POLICY.max_bytes, POLICY)
    with pytest.raises(PayloadTooLarge):
        check_size(POLICY.max_bytes + 1, POLICY)
    with pytest.raises(Exception, match="attachment.empty"):
        check_size(0, POLICY)


def test_a_zip_with_very_many_members_is_a_plain_zip_without_parsing_them() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", samples.CONTENT_TYPES)
        for n in range(sniff.MAX_ZIP_MEMBERS_SCANNED + 1):
            archive.writestr(f"xl/{n}", b"")
    assert classify(io.BytesIO(buffer.getvalue()), "many.zip", POLICY).mime == "application/zip"
    with pytest.raises(UnsupportedMediaType):
        classify(io.BytesIO(buffer.getvalue()), "many.xlsx", POLICY)
