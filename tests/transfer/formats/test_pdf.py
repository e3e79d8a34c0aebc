from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats.base import FormatError, TooLarge
from orderdesk.transfer.formats.pdf import read_pdf
from tests.transfer.formats.binary_samples import context, read_all

FONTS = Path("/usr/share/fonts/truetype/dejavu")
needs_font = pytest.mark.skipif(
    not (FONTS / "DejaVuSans.ttf").exists(),
    reason="needs a Cyrillic TTF: apt-get install fonts-dejavu-core",
)


def make_pdf(path: Path, tables: list[list[list[str]]], *, title: str = "Прайс-лист") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", style="B", fname=str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    pdf.cell(text=title)
    pdf.ln(12)
    for rows in tables:
        with pdf.table(col_widths=(30, 80, 30)) as table:
            for row in rows:
                table.row(row)
        pdf.ln(10)
    pdf.output(str(path))
    return path


HEADER = ["Артикул", "Наименование", "Цена"]


@needs_font
def test_table_rows_come_out_with_cyrillic_text_intact(tmp_path: Path):
    path = make_pdf(tmp_path / "prices.pdf", [[HEADER, ["A-1", "Болт М8", "12,50"]]])
    assert read_all(read_pdf(path, context("prices.pdf"))) == {
        "prices.pdf/стр. 1/табл. 1": [HEADER, ["A-1", "Болт М8", "12,50"]]
    }


@needs_font
def test_two_tables_on_a_page_are_two_sheets(tmp_path: Path):
    other = [["Склад", "Адрес", "Телефон"], ["Основной", "ул. Ленина, 1", "123"]]
    path = make_pdf(tmp_path / "two.pdf", [[HEADER, ["A-1", "Болт", "1"]], other])
    sheets = read_all(read_pdf(path, context("two.pdf")))
    assert list(sheets) == ["two.pdf/стр. 1/табл. 1", "two.pdf/стр. 1/табл. 2"]
    assert sheets["two.pdf/стр. 1/табл. 2"][1] == ["Основной", "ул. Ленина, 1", "123"]


@needs_font
def test_table_going_on_over_pages_with_its_header_repeated_is_one_sheet(tmp_path: Path):
    rows = [[f"A-{n}", f"Гайка М{n}", f"{n},10"] for n in range(90)]
    path = make_pdf(tmp_path / "long.pdf", [[HEADER, *rows]])
    sheets = read_all(read_pdf(path, context("long.pdf")))
    assert list(sheets) == ["long.pdf/стр. 1/табл. 1"]
    assert sheets["long.pdf/стр. 1/табл. 1"] == [HEADER, *rows]


@pytest.mark.parametrize(
    "data", [b"%PDF-1.4\n%%EOF", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R", b"\x00" * 64]
)
def test_corrupt_pdf_is_a_clear_format_error_not_a_crash(tmp_path: Path, data: bytes):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(FormatError) as caught:
        read_all(read_pdf(path, context("bad.pdf")))
    assert caught.value.status in (413, 422)
    assert "bad.pdf" in t(caught.value.detail_key, "ru", **caught.value.params)


@needs_font
def test_pdf_needing_more_memory_than_allowed_is_refused(tmp_path: Path):
    path = make_pdf(tmp_path / "prices.pdf", [[HEADER, ["A-1", "Болт", "1"]]])
    with pytest.raises(TooLarge) as caught:
        read_all(read_pdf(path, context("prices.pdf", parser_memory_bytes=64 * 1024 * 1024)))
    assert caught.value.detail_key == "transfer.parser_memory"
