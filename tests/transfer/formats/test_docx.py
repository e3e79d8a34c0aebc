import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from orderdesk.transfer.formats.base import FormatError, TooLarge
from orderdesk.transfer.formats.docx import read_docx
from tests.transfer.formats.binary_samples import context, read_all


def make_docx(path: Path, *tables: list[list[str]]) -> Path:
    document = docx.Document()
    document.add_paragraph("Перечень оборудования")
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def rewrite_part(path: Path, part: str, change: Callable[[str], str]) -> Path:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


EQUIPMENT = [["Наименование", "Инв. №", "Поверка до"], ["Манометр ДМ-02", "0012", "01.03.2025"]]


def test_each_table_becomes_a_sheet_with_its_rows(tmp_path: Path):
    other = [["Отдел", "Ответственный"], ["ОТК", "Иванов И. И."]]
    path = make_docx(tmp_path / "list.docx", EQUIPMENT, other)
    assert read_all(read_docx(path, context("list.docx"))) == {
        "list.docx/табл. 1": EQUIPMENT,
        "list.docx/табл. 2": other,
    }


def test_merged_header_cells_are_filled_across_and_down(tmp_path: Path):
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "Прибор"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Поверка"
    table.cell(1, 1).text, table.cell(1, 2).text = "дата", "до"
    table.cell(2, 0).text, table.cell(2, 1).text, table.cell(2, 2).text = "Весы", "01.02", "01.08"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    rows = read_all(read_docx(path, context("merged.docx")))["merged.docx/табл. 1"]
    assert rows == [
        ["Прибор", "Поверка", "Поверка"],
        ["Прибор", "дата", "до"],
        ["Весы", "01.02", "01.08"],
    ]


def test_cell_spanning_millions_of_grid_columns_is_refused(tmp_path: Path):
    path = make_docx(tmp_path / "span.docx", EQUIPMENT)
    rewrite_part(
        path,
        "word/document.xml",
        lambda xml: re.sub(r"<w:tcPr>", '<w:tcPr><w:gridSpan w:val="100000000"/>', xml, count=1),
    )
    with pytest.raises(TooLarge):
        read_all(read_docx(path, context("span.docx")))


def test_document_part_with_an_entity_bomb_is_refused(tmp_path: Path):
    path = make_docx(tmp_path / "lol.docx", EQUIPMENT)
    bomb = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    rewrite_part(path, "word/document.xml", lambda xml: xml.replace("?>", "?>" + bomb, 1))
    with pytest.raises(FormatError) as caught:
        read_all(read_docx(path, context("lol.docx")))
    assert caught.value.detail_key == "transfer.office_doctype"


def test_too_many_rows_in_a_table_are_refused(tmp_path: Path):
    rows = [EQUIPMENT[0]] + [[f"Прибор {n}", str(n), "-"] for n in range(12)]
    path = make_docx(tmp_path / "long.docx", rows)
    with pytest.raises(TooLarge) as caught:
        read_all(read_docx(path, context("long.docx", max_rows=10)))
    assert caught.value.params["sheet"] == "long.docx/табл. 1"


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_docx_is_a_clear_format_error(tmp_path: Path, cut: float):
    data = make_docx(tmp_path / "list.docx", EQUIPMENT).read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(FormatError) as caught:
        read_all(read_docx(path, context("cut.docx")))
    assert caught.value.status == 422


def test_zip_without_a_word_document_is_a_clear_format_error(tmp_path: Path):
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not word")
    with pytest.raises(FormatError):
        read_all(read_docx(path, context("empty.docx")))
