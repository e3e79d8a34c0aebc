"""Formats come from the bytes; the extension only tells what the sender claimed."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import FormatError, Limits, ReadContext, TooLarge, UnsupportedFormat
from orderdesk.transfer.formats.detect import detect
from tests.transfer.formats import samples


def _detect(folder: Path, name: str, data: bytes | str, **options: object):
    path = samples.write(folder, name, data)
    return detect(path, name, ReadContext(Limits(), name, options=dict(options)))


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (samples.PDF, "scan.pdf", "pdf"),
        (samples.plain_zip(), "bundle.zip", "zip"),
        (samples.RAR, "bundle.rar", "rar"),
        (samples.xlsx(), "prices.xlsx", "xlsx"),
        (samples.docx(), "contract.docx", "docx"),
        (samples.ods(), "prices.ods", "ods"),
        (samples.ole2("Workbook"), "old.xls", "xls"),
        (samples.ole2("Book"), "old95.xls", "xls"),
        (samples.ole2("WordDocument"), "old.doc", "doc"),
        (b'[{"sku": "R-1"}]', "items.json", "json"),
        (b'{"sku": "R-1"}\n{"sku": "R-2"}\n', "items.ndjson", "json"),
        (b'<?xml version="1.0"?><items><item sku="1"/></items>', "items.xml", "xml"),
        (b"<items><item sku='1'/></items>", "items.xml", "xml"),
        ("sku;name\nR-1;Роза\n".encode("cp1251"), "items.csv", "csv"),
        (b"sku,name\nR-1,Rose\n", "items.csv", "csv"),
        (b"sku\tname\nR-1\tRose\n", "items.tsv", "tsv"),
        (b"sku   name\nR-1   Rose\nR-22  Tulip\n", "items.txt", "txt"),
    ],
)
def test_each_format_is_recognised_by_its_content(
    tmp_path: Path, data: bytes, name: str, expected: str
) -> None:
    source = _detect(tmp_path, name, data)
    assert source.format == expected
    assert not source.mismatch
    assert source.notes == []


def test_the_legacy_office_formats_are_told_apart_by_streams_not_by_name(tmp_path: Path) -> None:
    assert _detect(tmp_path, "report.doc", samples.ole2("Workbook")).format == "xls"
    assert _detect(tmp_path, "report.xls", samples.ole2("WordDocument")).format == "doc"


def test_a_pdf_renamed_to_xlsx_is_read_as_pdf_and_the_mismatch_noted(tmp_path: Path) -> None:
    source = _detect(tmp_path, "prices.xlsx", samples.PDF)
    assert source.format == "pdf"
    assert source.declared_format == "xlsx"
    assert source.mismatch
    assert source.notes == [t("transfer.format_mismatch", extension="xlsx", detected="PDF")]
    assert "PDF" in t("transfer.format_mismatch", "ru", extension="xlsx", detected="PDF")


def test_a_pdf_renamed_to_csv_is_detected_as_pdf(tmp_path: Path) -> None:
    source = _detect(tmp_path, "orders.csv", samples.PDF)
    assert (source.format, source.declared_format) == ("pdf", "csv")


def test_a_tab_separated_csv_is_not_reported_as_a_mismatch(tmp_path: Path) -> None:
    source = _detect(tmp_path, "items.csv", b"sku\tname\nR-1\tRose\n")
    assert source.format == "tsv"
    assert not source.mismatch


def test_json_saved_as_txt_is_json_with_a_note(tmp_path: Path) -> None:
    source = _detect(tmp_path, "export.txt", b'[{"a": 1}]')
    assert source.format == "json"
    assert source.mismatch
    assert source.notes


def test_text_settings_are_kept_for_the_reader(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "a.csv", "Товар;Цена\nКофе;1 234,50\n".encode("cp1251"))
    context = ReadContext(Limits(), "a.csv")
    source = detect(path, "a.csv", context)
    assert (source.encoding, source.delimiter) == ("cp1251", ";")
    assert context.options["encoding"] == "cp1251"
    assert context.options["delimiter"] == ";"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (samples.ELF, "tool.csv"),
        (b"\x00\x01\x02\x03\x04\x05binary" * 50, "data.bin"),
        (samples.png_bytes(), "photo.xlsx"),
        (samples.ole2("PowerPoint Document"), "slides.ppt"),
    ],
)
def test_unknown_binaries_are_unsupported_with_415(tmp_path: Path, data: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        _detect(tmp_path, name, data)
    assert caught.value.status == 415


def test_an_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        _detect(tmp_path, "orders.csv", b"")
    assert caught.value.detail_key == "transfer.empty_file"
    assert "orders.csv" in t("transfer.empty_file", "ru", **caught.value.params)


def test_a_truncated_xlsx_is_reported_as_damaged_not_unknown(tmp_path: Path) -> None:
    data = samples.xlsx()
    with pytest.raises(FormatError) as caught:
        _detect(tmp_path, "prices.xlsx", data[: len(data) // 2])
    assert caught.value.status == 422
    assert caught.value.detail_key == "transfer.damaged_container"


def test_a_truncated_ole2_file_is_reported_as_damaged(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        _detect(tmp_path, "old.xls", samples.ole2("Workbook")[:700])
    assert caught.value.detail_key == "transfer.damaged_container"


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "big.csv", b"a;b\n" * 100)
    with pytest.raises(TooLarge):
        detect(path, "big.csv", ReadContext(Limits(max_file_bytes=100), "big.csv"))
