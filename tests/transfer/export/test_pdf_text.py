"""The PDF table reads back (pdfplumber) with every cell's text: wrapped, never cut."""

from __future__ import annotations

from pathlib import Path

from orderdesk.transfer.export.columns import Column
from orderdesk.transfer.export.writers.base import WriterOptions
from orderdesk.transfer.export.writers.pdf_format import PdfWriter
from orderdesk.transfer.formats.pdf import read_pdf
from tests.transfer.formats.binary_samples import context, read_all

COLUMNS = [
    Column("sku", "text", "r[0]", {"en": "SKU"}, 1.0),
    Column("description", "text", "r[1]", {"en": "Description"}, 1.0),
    Column("price", "decimal", "r[2]", {"en": "Price"}, 1.0),
]


def read_back(path: Path, rows: list[tuple[str, str, str]]) -> list[list[str | None]]:
    writer = PdfWriter(COLUMNS, WriterOptions(title="Позиции"), path)
    writer.start()
    writer.write(rows)
    writer.finish()
    sheets = read_all(read_pdf(path, context(path.name)))
    found = [row for rows in sheets.values() for row in rows]
    assert found[0] == ["SKU", "Description", "Price"]
    return [list(row) for row in found[1:]]


def test_long_cyrillic_text_wraps_onto_a_page_taller_than_a4_and_reads_back_whole(
    tmp_path: Path,
) -> None:
    text = " ".join(f"Строка {n}: «Роза» — красная; цена 1 234,50 ₽" for n in range(200))
    rows = [("Р-1", text, "1234.50"), ("Р-2", "коротко", "0.001")]

    found = read_back(tmp_path / "long.pdf", rows)

    assert found == [["Р-1", text, "1234.50"], ["Р-2", "коротко", "0.001"]]


def test_a_word_wider_than_its_column_is_set_smaller_and_kept_whole(tmp_path: Path) -> None:
    word = "Сверхдлинноеслово" * 6  # ~100 characters without a space

    found = read_back(tmp_path / "word.pdf", [("W-1", word, "1")])

    assert found == [["W-1", word, "1"]]


def test_a_word_too_wide_even_in_the_smallest_type_is_cut_and_reads_back_with_spaces(
    tmp_path: Path,
) -> None:
    word = "x" * 2000

    found = read_back(tmp_path / "huge.pdf", [("H-1", word, "1")])

    description = found[0][1]
    assert description is not None
    assert description != word
    assert description.replace(" ", "") == word  # only spaces where it was cut
