import shutil
import subprocess
import time
import zipfile
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

import pytest
import xlsxwriter

from orderdesk.core.i18n import t
from orderdesk.transfer.formats.base import FormatError, TooLarge
from orderdesk.transfer.formats.spreadsheet import read_ods, read_xls, read_xlsx
from tests.transfer.formats.binary_samples import (
    context,
    inline_row,
    ods_cell,
    read_all,
    write_ods,
    write_xlsx_parts,
)


def naive(*parts: int) -> datetime:
    """Spreadsheet date-times carry no time zone; the mapping layer assigns one."""
    return datetime(*parts)  # noqa: DTZ001


def make_price_list(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Лист1")
    sheet.write_row(0, 0, ["Артикул", "Наименование", "Цена", "В наличии", "Дата", "Время"])
    sheet.write_row(1, 0, ["A-1", "Болт М8", 12.5, True])
    sheet.write_datetime(1, 4, naive(2024, 5, 1), workbook.add_format({"num_format": "dd.mm.yyyy"}))
    sheet.write_datetime(
        1, 5, naive(1899, 12, 31, 9, 30), workbook.add_format({"num_format": "hh:mm"})
    )
    sheet.write_row(2, 0, ["A-2", "Гайка М8", 3])
    sheet.write_datetime(
        2, 4, naive(2024, 5, 2, 14, 5), workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    )
    workbook.add_worksheet("Склад").write_row(0, 0, ["Склад", "Остаток"])
    workbook.close()
    return path


def test_every_worksheet_becomes_a_sheet_named_after_file_and_sheet(tmp_path: Path):
    path = make_price_list(tmp_path / "prices.xlsx")
    sheets = read_all(read_xlsx(path, context("prices.xlsx")))
    assert list(sheets) == ["prices.xlsx/Лист1", "prices.xlsx/Склад"]
    rows = sheets["prices.xlsx/Лист1"]
    assert rows[0] == ["Артикул", "Наименование", "Цена", "В наличии", "Дата", "Время"]
    assert rows[1] == ["A-1", "Болт М8", 12.5, True, date(2024, 5, 1), clock(9, 30)]
    assert rows[2] == ["A-2", "Гайка М8", 3, None, naive(2024, 5, 2, 14, 5), None]


def test_chart_sheet_is_left_out_and_the_data_sheets_are_read(tmp_path: Path):
    path = tmp_path / "chart.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    data = workbook.add_worksheet("Продажи")
    data.write_column("A1", [1, 2, 3])
    chart = workbook.add_chart({"type": "line"})
    chart.add_series({"values": "=Продажи!$A$1:$A$3"})
    workbook.add_chartsheet("График").set_chart(chart)
    workbook.close()
    assert read_all(read_xlsx(path, context("chart.xlsx"))) == {
        "chart.xlsx/Продажи": [[1], [2], [3]]
    }


def test_rows_and_columns_keep_their_spreadsheet_positions(tmp_path: Path):
    path = tmp_path / "offset.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet().write_row("B3", ["Код", "Цена"])
    workbook.close()
    rows = next(read_xlsx(path, context("offset.xlsx"))).rows
    assert list(rows) == [[None, None, None], [None, None, None], [None, "Код", "Цена"]]


def test_merged_two_level_header_is_spread_across_its_columns(tmp_path: Path):
    path = tmp_path / "merged.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.merge_range("A1:A2", "Товар")
    sheet.merge_range("B1:C1", "Цена")
    sheet.write_row("B2", ["опт", "розница"])
    sheet.write_row("A3", ["Болт", 10, 12])
    workbook.close()
    rows = list(next(read_xlsx(path, context("merged.xlsx"))).rows)
    assert rows[0] == ["Товар", "Цена", "Цена"]
    assert rows[1] == ["Товар", "опт", "розница"]
    assert rows[2] == ["Болт", 10, 12]


def test_fake_dimension_claiming_the_whole_grid_allocates_nothing(tmp_path: Path):
    sheet = '<dimension ref="A1:XFD1048576"/><sheetData>' + inline_row(1, "x", "y") + "</sheetData>"
    path = write_xlsx_parts(tmp_path / "fake.xlsx", sheet)
    started = time.monotonic()
    assert read_all(read_xlsx(path, context("fake.xlsx"))) == {"fake.xlsx/Лист1": [["x", "y"]]}
    # A grid of 2^34 cells would take minutes and all memory; a generous bound on a shared box.
    assert time.monotonic() - started < 30


def test_one_cell_in_the_far_corner_is_refused_before_calamine_allocates_the_grid(tmp_path: Path):
    # calamine would allocate 1048576 × 16384 cells for this and abort the whole process.
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = write_xlsx_parts(
        tmp_path / "far.xlsx", f"<sheetData>{inline_row(1, 'x')}{far}</sheetData>"
    )
    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("far.xlsx")))
    assert "far.xlsx" in t(caught.value.detail_key, "en", **caught.value.params)


def test_cell_placed_below_its_row_tag_is_measured_by_its_own_reference(tmp_path: Path):
    sheet = (
        '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="AZ900000"><v>2</v></c></row></sheetData>'
    )
    path = write_xlsx_parts(tmp_path / "sneaky.xlsx", sheet)
    with pytest.raises(TooLarge):
        read_all(read_xlsx(path, context("sneaky.xlsx", parser_memory_bytes=512 * 1024 * 1024)))


def test_sheet_longer_than_max_rows_is_refused(tmp_path: Path):
    rows = "".join(inline_row(n, f"r{n}") for n in range(1, 12))
    path = write_xlsx_parts(tmp_path / "long.xlsx", f"<sheetData>{rows}</sheetData>")
    with pytest.raises(TooLarge):
        read_all(read_xlsx(path, context("long.xlsx", max_rows=10)))


def test_cells_without_references_are_measured_exactly(tmp_path: Path):
    rows = "".join(f'<row><c t="inlineStr"><is><t>v{n}</t></is></c></row>' for n in range(12))
    path = write_xlsx_parts(tmp_path / "norefs.xlsx", f"<sheetData>{rows}</sheetData>")
    with pytest.raises(TooLarge):
        read_all(read_xlsx(path, context("norefs.xlsx", max_rows=10)))
    sheets = read_all(read_xlsx(path, context("norefs.xlsx")))
    assert sheets["norefs.xlsx/Лист1"][11] == ["v11"]


def shared_strings(count: str, items: int) -> dict[str, str]:
    body = "".join(f"<si><t>s{n}</t></si>" for n in range(items))
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">{body}</sst>'
    )
    return {"xl/sharedStrings.xml": xml}


def test_shared_strings_bomb_declaring_billions_is_refused(tmp_path: Path):
    sheet = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    path = write_xlsx_parts(tmp_path / "sst.xlsx", sheet, shared_strings("4000000000", 1))
    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("sst.xlsx")))
    assert caught.value.detail_key == "transfer.shared_strings"


def test_shared_strings_beyond_the_limit_are_refused_whatever_the_count_says(tmp_path: Path):
    sheet = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
    path = write_xlsx_parts(tmp_path / "sst.xlsx", sheet, shared_strings("1", 50))
    with pytest.raises(TooLarge):
        read_all(read_xlsx(path, context("sst.xlsx", max_shared_strings=20)))


def test_part_with_a_dtd_is_refused(tmp_path: Path):
    bomb = (
        '<!DOCTYPE lol [<!ENTITY a "aaaaaaaa">]><sst xmlns="x" count="1"><si><t>&a;</t></si></sst>'
    )
    path = write_xlsx_parts(tmp_path / "dtd.xlsx", "<sheetData/>", {"xl/sharedStrings.xml": bomb})
    with pytest.raises(FormatError) as caught:
        read_all(read_xlsx(path, context("dtd.xlsx")))
    assert caught.value.detail_key == "transfer.office_doctype"


def test_highly_compressed_part_is_refused_as_a_zip_bomb(tmp_path: Path):
    padding = "<!-- " + " " * (8 * 1024 * 1024) + " -->"
    path = write_xlsx_parts(tmp_path / "bomb.xlsx", f"<sheetData/>{padding}")
    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("bomb.xlsx")))
    assert caught.value.detail_key == "transfer.compression_ratio"


def test_workbook_unpacking_beyond_the_byte_limit_is_refused(tmp_path: Path):
    path = make_price_list(tmp_path / "prices.xlsx")
    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("prices.xlsx", max_unpacked_bytes=2000)))
    assert caught.value.detail_key == "transfer.unpacked_too_large"


@pytest.mark.parametrize("cut", [0.3, 0.7, 0.95])
def test_truncated_workbook_is_a_clear_format_error(tmp_path: Path, cut: float):
    data = make_price_list(tmp_path / "prices.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(FormatError) as caught:
        read_all(read_xlsx(path, context("cut.xlsx")))
    assert caught.value.status in (413, 422)


def test_pdf_named_xlsx_is_a_clear_format_error(tmp_path: Path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with pytest.raises(FormatError) as caught:
        read_all(read_xlsx(path, context("report.xlsx")))
    assert caught.value.status == 422


def test_ods_tables_are_read_with_their_names(tmp_path: Path):
    body = f"<table:table-row>{ods_cell('Товар')}{ods_cell('Цена')}</table:table-row>"
    body += '<table:table-row><table:table-cell office:value-type="string"><text:p>Болт</text:p>'
    body += '</table:table-cell><table:table-cell office:value-type="float" office:value="12.5">'
    body += "<text:p>12,5</text:p></table:table-cell></table:table-row>"
    path = write_ods(tmp_path / "prices.ods", body)
    assert read_all(read_ods(path, context("prices.ods"))) == {
        "prices.ods/Лист1": [["Товар", "Цена"], ["Болт", 12.5]]
    }


def test_ods_trailing_empty_repeats_cost_nothing(tmp_path: Path):
    empty = '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
    empty += 'table:number-columns-repeated="16384"/></table:table-row>'
    body = f"<table:table-row>{ods_cell('x')}</table:table-row>{empty}"
    path = write_ods(tmp_path / "tail.ods", body)
    assert read_all(read_ods(path, context("tail.ods"))) == {"tail.ods/Лист1": [["x"]]}


def test_ods_repeated_value_cells_expanding_past_the_limits_are_refused(tmp_path: Path):
    body = f'<table:table-row table:number-rows-repeated="100000">{ods_cell("x", 1000)}'
    body += "</table:table-row>"
    path = write_ods(tmp_path / "repeat.ods", body)
    with pytest.raises(TooLarge) as caught:
        read_all(read_ods(path, context("repeat.ods")))
    assert caught.value.params["sheet"] == "Лист1"


def test_corrupt_ods_content_is_a_clear_format_error(tmp_path: Path):
    path = write_ods(tmp_path / "bad.ods", "<table:table-row>")
    with zipfile.ZipFile(path) as archive:
        assert "content.xml" in archive.namelist()
    with pytest.raises(FormatError):
        read_all(read_ods(path, context("bad.ods")))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice to write an XLS")
def test_xls_written_by_libreoffice_is_read(tmp_path: Path):
    source = make_price_list(tmp_path / "prices.xlsx")
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
         "xls", "--outdir", str(tmp_path), str(source)],
        check=False, capture_output=True, timeout=180,
    )  # fmt: skip
    if not (tmp_path / "prices.xls").exists():
        pytest.skip("LibreOffice Calc is missing (apt-get install libreoffice-calc-nogui)")
    sheets = read_all(read_xls(tmp_path / "prices.xls", context("prices.xls")))
    assert sheets["prices.xls/Лист1"][1][:3] == ["A-1", "Болт М8", 12.5]


def test_garbage_named_xls_is_a_clear_format_error(tmp_path: Path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(FormatError):
        read_all(read_xls(path, context("old.xls")))
