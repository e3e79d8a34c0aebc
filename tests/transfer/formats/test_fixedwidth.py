"""Fixed-width TXT: columns inferred from blank character columns, titles left whole."""

from __future__ import annotations

from pathlib import Path

from orderdesk.transfer.formats.fixedwidth import infer_layout
from tests.transfer.formats import samples

REPORT = """\
Остатки на складе на 01.02.2024

Код     Наименование            Ед.     Кол-во      Цена
A-001   Кофе молотый            кг         12,5    1 234,50
A-002   Чай зелёный             уп          3        99,00
B-117   Сахар                   кг        140,0       75,20
"""


def test_a_fixed_width_report_is_cut_into_columns(tmp_path: Path) -> None:
    source, rows = samples.read(samples.write(tmp_path, "stock.txt", REPORT, "cp1251"))
    assert (source.format, source.encoding) == ("txt", "cp1251")
    assert rows[0] == ["Остатки на складе на 01.02.2024"]
    assert rows[1] == []
    assert rows[2] == ["Код", "Наименование", "Ед.", "Кол-во", "Цена"]
    assert rows[3] == ["A-001", "Кофе молотый", "кг", "12,5", "1 234,50"]
    assert rows[5] == ["B-117", "Сахар", "кг", "140,0", "75,20"]


def test_layout_inference_sets_title_lines_aside() -> None:
    lines = REPORT.splitlines(keepends=True)
    titles, spans = infer_layout(lines)
    assert titles == 2  # the title and the blank line under it
    assert [start for start, _ in spans] == [0, 8, 32, 40, 51]


def test_plain_lines_without_columns_are_one_column(tmp_path: Path) -> None:
    text = "Привезти кофе к пятнице\nПозвонить поставщику\n"
    source, rows = samples.read(samples.write(tmp_path, "notes.txt", text))
    assert source.format == "txt"
    assert rows == [["Привезти кофе к пятнице"], ["Позвонить поставщику"]]
