"""Guard gaps closed: XLS in the sandbox, long XLSX/ODS text, ODS cells across tables, RAR bombs.

Every hostile file is built by the test; each must end in a TooLarge (413) with the process
intact — a calamine allocation failure in this process would abort the whole test run.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import date, datetime, time
from pathlib import Path
from typing import IO

import pytest
import rarfile

from orderdesk.transfer.formats.archive import read_rar
from orderdesk.transfer.formats.base import TooLarge
from orderdesk.transfer.formats.ooxml_guard import check_office_zip
from orderdesk.transfer.formats.spreadsheet import _revived, _tagged, read_ods, read_xls, read_xlsx
from tests.transfer.formats.biff_samples import write_xls
from tests.transfer.formats.binary_samples import (
    context,
    inline_row,
    ods_cell,
    rar4_stored,
    read_all,
    write_ods,
    write_xlsx_parts,
)

FAR = (65535, 255, 1.0)  # IV65536: the last cell BIFF can address


def test_xls_is_read_in_the_sandbox_with_sheet_names_and_values(tmp_path: Path) -> None:
    cells = [(0, 0, "Артикул"), (0, 1, "Цена"), (1, 0, "A-1"), (1, 1, 12.5)]
    path = write_xls(tmp_path / "prices.xls", {"Цены": cells, "Склад": [(0, 2, "x")]})

    sheets = read_all(read_xls(path, context("prices.xls")))

    assert sheets == {
        "prices.xls/Цены": [["Артикул", "Цена"], ["A-1", 12.5]],
        "prices.xls/Склад": [[None, None, "x"]],
    }


def test_a_tiny_xls_whose_sheets_reach_the_last_cell_is_refused_for_memory(
    tmp_path: Path,
) -> None:
    # calamine allocates ~0.5 GB per such sheet when it opens the file: 4 of them need 2 GB.
    path = write_xls(tmp_path / "far.xls", {f"S{n}": [(0, 0, "x"), FAR] for n in range(4)})
    assert path.stat().st_size < 10_000

    with pytest.raises(TooLarge) as caught:
        read_all(read_xls(path, context("far.xls")))

    assert caught.value.detail_key == "transfer.parser_memory"
    assert caught.value.status == 413


def test_xls_rows_beyond_the_row_limit_are_refused(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "long.xls", {"A": [(n, 0, float(n)) for n in range(12)]})

    with pytest.raises(TooLarge) as caught:
        read_all(read_xls(path, context("long.xls", max_rows=10)))

    assert caught.value.detail_key == "transfer.sheet_too_many_rows"


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B1" t="inlineStr"><is><t>{text}</t></is></c>',
        '<c r="B1"><f>{text}</f><v>1</v></c>',
        '<c r="B1"><v>{digits}</v></c>',
    ],
    ids=["inline-string", "formula", "number"],
)
def test_xlsx_cells_longer_than_the_cell_limit_are_refused_whatever_their_kind(
    tmp_path: Path, cell: str
) -> None:
    body = cell.format(text="A" * 2_000, digits="9" * 2_000)
    sheet = f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>{body}</row>'
    path = write_xlsx_parts(tmp_path / "long.xlsx", sheet + "</sheetData>")

    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("long.xlsx", max_cell_chars=1_000)))
    allowed = read_all(read_xlsx(path, context("long.xlsx", max_cell_chars=5_000)))

    assert caught.value.detail_key == "transfer.sheet_cell_too_long"
    assert len(allowed["long.xlsx/Лист1"][0]) == 2


def test_xlsx_short_cells_pass_the_text_check(tmp_path: Path) -> None:
    rows = "".join(inline_row(n, "Артикул", "x" * 900) for n in range(1, 4))
    path = write_xlsx_parts(tmp_path / "ok.xlsx", f"<sheetData>{rows}</sheetData>")

    sheets = read_all(read_xlsx(path, context("ok.xlsx", max_cell_chars=1_000)))

    assert len(sheets["ok.xlsx/Лист1"]) == 3


def test_ods_cell_longer_than_the_cell_limit_is_refused(tmp_path: Path) -> None:
    body = f"<table:table-row>{ods_cell('x')}{ods_cell('Я' * 3_000)}</table:table-row>"
    path = write_ods(tmp_path / "long.ods", body)

    with pytest.raises(TooLarge) as caught:
        read_all(read_ods(path, context("long.ods", max_cell_chars=1_000)))

    assert caught.value.detail_key == "transfer.sheet_cell_too_long"


def test_ods_value_cells_repeated_across_every_column_are_refused(tmp_path: Path) -> None:
    body = f'<table:table-row table:number-rows-repeated="4">{ods_cell("x", 16384)}'
    path = write_ods(tmp_path / "wide.ods", body + "</table:table-row>")

    with pytest.raises(TooLarge) as caught:
        read_all(read_ods(path, context("wide.ods")))

    assert caught.value.detail_key == "transfer.sheet_too_big"


def test_ods_tables_are_budgeted_together_since_calamine_builds_them_all_at_once(
    tmp_path: Path,
) -> None:
    # Each table alone (10M cells ≈ 0.6 GB in calamine) fits 1 GiB; three together do not.
    table = f'<table:table-row table:number-rows-repeated="20000">{ods_cell("x", 500)}'
    table += "</table:table-row>"
    one = write_ods(tmp_path / "one.ods", table)
    three = write_ods(
        tmp_path / "three.ods",
        f'{table}</table:table><table:table table:name="Б">{table}'
        f'</table:table><table:table table:name="В">{table}',
    )
    check_office_zip(one, context("one.ods"), kind="ods")  # passes the guard
    with pytest.raises(TooLarge) as caught:
        read_all(read_ods(three, context("three.ods")))

    assert caught.value.detail_key == "transfer.sheet_too_big"


def _rar4(name: str, packed: bytes, size: int, method: int) -> bytes:
    """A RAR 4 archive of one member with the given method and declared unpacked size."""

    def block(head_type: int, flags: int, body: bytes) -> bytes:
        header = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header

    encoded = name.encode()
    body = struct.pack(
        "<IIBIIBBHI", len(packed), size, 3, 0, 0x5A000000, 29, method, len(encoded), 0o100644
    )
    return (
        b"Rar!\x1a\x07\x00"
        + block(0x73, 0, b"\x00" * 6)
        + block(0x74, 0x8000, body + encoded)
        + packed
        + block(0x7B, 0x4000, b"")
    )


def test_compressed_rar_member_declaring_a_huge_expansion_is_refused_before_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.rar"
    path.write_bytes(_rar4("prices.csv", b"\x00" * 1024, 1024**3, 0x35))  # "best" compression

    def no_extraction(*_: object) -> IO[bytes]:
        raise AssertionError("the member must not be extracted")

    monkeypatch.setattr(rarfile.RarFile, "open", no_extraction)
    with pytest.raises(TooLarge) as caught:
        read_all(read_rar(path, context("bomb.rar")))

    assert caught.value.detail_key == "transfer.compression_ratio"


class _EndlessZeros(io.RawIOBase):
    """What a decompressor's pipe gives for a bomb: zeros for as long as anyone reads."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.served += len(buffer)
        buffer[:] = b"\x00" * len(buffer)
        return len(buffer)


def test_compressed_rar_member_that_lies_about_its_size_is_stopped_while_extracting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The header claims 2 KB from 1 KB; the tool (unrar/unar/bsdtar) then streams without end.
    path = tmp_path / "liar.rar"
    path.write_bytes(_rar4("prices.csv", b"\x01" * 1024, 2048, 0x33))
    stream = _EndlessZeros()
    monkeypatch.setattr(rarfile.RarFile, "open", lambda *_: io.BufferedReader(stream))

    with pytest.raises(TooLarge) as caught:
        read_all(read_rar(path, context("liar.rar")))

    assert caught.value.detail_key == "transfer.compression_ratio"
    assert stream.served <= 4 * 1024 * 1024  # stopped within a few chunks, not at the disk's end


def test_stored_rar_members_are_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.rar"
    path.write_bytes(rar4_stored([("a.csv", "Артикул;Цена\nA-1;5\n".encode())]))

    sheets = read_all(read_rar(path, context("ok.rar")))

    assert sheets == {"ok.rar/a.csv": [["Артикул", "Цена"], ["A-1", "5"]]}


def test_a_cell_text_bigger_than_a_read_chunk_is_refused_though_it_arrives_without_its_tags(
    tmp_path: Path,
) -> None:
    letters = [chr(code) for code in range(0x410, 0x450)]
    huge = "".join(random.Random(4).choices(letters, k=9 * 1024 * 1024))  # 18 MB, incompressible
    sheet = f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{huge}</t></is></c></row>'
    path = write_xlsx_parts(tmp_path / "huge.xlsx", sheet + "</sheetData>")

    with pytest.raises(TooLarge) as caught:
        read_all(read_xlsx(path, context("huge.xlsx")))

    assert caught.value.detail_key == "transfer.sheet_cell_too_long"


def test_xls_dates_and_times_keep_their_types_through_the_sandbox_records() -> None:
    row = [datetime(2024, 12, 1, 10, 30), date(2024, 12, 1), time(8, 15), "x", 1.5, None]  # noqa: DTZ001

    assert list(_revived(iter([[_tagged(cell) for cell in row]]))) == [row]
