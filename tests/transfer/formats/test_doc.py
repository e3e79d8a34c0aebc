import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import doc
from orderdesk.transfer.formats.base import FormatError, UnsupportedFormat
from orderdesk.transfer.formats.doc import read_doc
from tests.transfer.formats.binary_samples import context, read_all

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="needs LibreOffice to write a real .doc: apt-get install libreoffice-writer-nogui",
)
needs_antiword = pytest.mark.skipif(
    shutil.which("antiword") is None, reason="needs the converter: apt-get install antiword"
)

ROWS = [
    ["Артикул", "Наименование", "Цена"],
    ["A-1", "Болт М8", "12,50"],
    ["A-2", "Гайка М8", "3,10"],
]


def make_doc(tmp_path: Path, *, with_table: bool = True) -> Path:
    """A real Word 97 file: written as DOCX, converted by LibreOffice."""
    document = docx.Document()
    document.add_paragraph("Прайс-лист на май")
    if with_table:
        table = document.add_table(rows=len(ROWS), cols=3)
        for r, row in enumerate(ROWS):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    else:
        document.add_paragraph("Болт М8\t12,50")
    # LibreOffice drops a table that ends its .doc when reading it back; real files go on.
    document.add_paragraph("Итого: 2 позиции, цены с НДС, действуют до конца месяца.")
    source = tmp_path / "prices.docx"
    document.save(str(source))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
         "doc", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return tmp_path / "prices.doc"


@needs_office
@needs_antiword
def test_doc_table_rows_are_read_through_antiword(tmp_path: Path):
    path = make_doc(tmp_path)
    assert read_all(read_doc(path, context("prices.doc"))) == {"prices.doc/табл. 1": ROWS}


@needs_office
@needs_antiword
def test_doc_without_tables_gives_one_row_per_line(tmp_path: Path):
    path = make_doc(tmp_path, with_table=False)
    rows = read_all(read_doc(path, context("prices.doc")))["prices.doc/текст"]
    assert rows == [
        ["Прайс-лист на май"],
        ["Болт М8", "12,50"],
        ["Итого: 2 позиции, цены с НДС, действуют до конца месяца."],
    ]


@needs_office
def test_doc_is_read_through_libreoffice_when_it_is_the_only_converter(tmp_path: Path, monkeypatch):
    path = make_doc(tmp_path)
    monkeypatch.setattr(doc, "find_converters", lambda: ["soffice"])
    limits = {"parser_memory_bytes": 4 * 1024 * 1024 * 1024}  # soffice maps a lot of address space
    sheets = read_all(read_doc(path, context("prices.doc", **limits)))
    assert sheets == {"prices.doc/табл. 1": ROWS}


def test_doc_without_any_converter_says_what_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(doc.shutil, "which", lambda name: None)
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnsupportedFormat) as caught:
        read_all(read_doc(path, context("old.doc")))
    assert caught.value.status == 415
    assert "antiword" in t(caught.value.detail_key, "en")
    assert "antiword" in t(caught.value.detail_key, "ru")


@needs_antiword
def test_corrupt_doc_is_a_clear_format_error(tmp_path: Path):
    path = tmp_path / "bad.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(FormatError) as caught:
        read_all(read_doc(path, context("bad.doc")))
    assert caught.value.status == 422
    assert "bad.doc" in t(caught.value.detail_key, "en", **caught.value.params)
