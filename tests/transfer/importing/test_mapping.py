"""Auto-mapping by ru/en names, header signatures, converters, value maps, header rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderdesk.transfer.export.sanitize import escape_cell
from orderdesk.transfer.formats.base import Limits
from orderdesk.transfer.importing import seams
from orderdesk.transfer.importing.mapping import (
    RowReader,
    auto_map,
    is_own_export,
    resolve,
    signature,
)
from orderdesk.transfer.importing.reading import open_table
from orderdesk.transfer.importing.targets.base import ParsedRow
from orderdesk.transfer.importing.targets.common import attribute_fields
from orderdesk.transfer.importing.targets.items import FIELDS as ITEM_FIELDS
from orderdesk.transfer.importing.targets.order_rows import (
    HEADER_FIELDS,
    LINE_FIELDS,
    status_choices,
)
from tests.transfer.importing.helpers import source_of

ORDER_FIELDS = [*HEADER_FIELDS, *LINE_FIELDS]


@pytest.mark.parametrize(
    "headers",
    [
        ["№ заказа", "Дата", "Артикул", "Наименование", "Кол-во", "Цена", "Сумма", "Статус"],
        ["Order No", "Date", "SKU", "Name", "Qty", "Price", "Amount", "Status"],
        [
            "НОМЕР ЗАКАЗА",
            "дата",
            "артикул",
            "наименование",
            "Количество",
            "цена",
            "сумма",
            "статус",
        ],
    ],
)
def test_order_columns_are_mapped_by_russian_and_english_names(headers: list[str]) -> None:
    mapping = auto_map(headers, ORDER_FIELDS)

    assert mapping == dict(
        zip(
            ["number", "created_at", "line_sku", "line_name", "quantity", "unit_price",
             "amount", "status"],
            headers,
            strict=True,
        )
    )  # fmt: skip


def test_a_header_is_used_once_and_unknown_headers_stay_unmapped() -> None:
    mapping = auto_map(["Артикул", "Код", "Примечание поставщика"], ITEM_FIELDS)

    assert mapping == {"sku": "Артикул"}


def test_the_signature_ignores_order_case_and_punctuation() -> None:
    assert signature(["Артикул", "Цена, руб."]) == signature(["цена руб", "АРТИКУЛ"])
    assert signature(["Артикул"]) != signature(["Артикул", "Цена"])


def test_resolving_a_mapping_to_a_missing_column_names_it() -> None:
    from orderdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        resolve({"sku": "Код"}, ["Артикул"], ITEM_FIELDS)

    assert caught.value.errors[0]["field"] == "mapping.sku"


def test_the_row_reader_converts_russian_numbers_dates_and_mapped_statuses() -> None:
    workflow = {"statuses": [{"code": "work", "label": {"ru": "В работе", "en": "In work"}}]}
    choices = status_choices(workflow)
    fields = [replace(s, choices=choices) if s.name == "status" else s for s in ORDER_FIELDS]
    headers = ["Номер", "Дата", "Сумма", "Статус"]
    reader = RowReader(
        fields,
        resolve(
            {"number": "Номер", "created_at": "Дата", "amount": "Сумма", "status": "Статус"},
            headers,
            fields,
        ),
        headers,
        {"status": {"делаем": "work"}},
    )

    by_label = reader.read(2, ["7", "31.12.2024 23:59", "1 234,56", "в работе"])
    by_map = reader.read(3, [7.0, "2024-12-31", "10", "Делаем"])
    bad = reader.read(4, ["8", "вчера", "много", "непонятно"])

    assert isinstance(by_label, ParsedRow)
    assert by_label.values == {
        "number": "7",
        "created_at": datetime(2024, 12, 31, 23, 59, tzinfo=UTC),
        "amount": Decimal("1234.56"),
        "status": "work",
    }
    assert isinstance(by_map, ParsedRow)
    assert by_map.values["number"] == "7"
    assert by_map.values["status"] == "work"
    assert isinstance(bad, list)
    assert [(r.column, r.reason["en"].split(" (")[0].split(";")[0]) for r in bad] == [
        ("Дата", "Not a date and time"),
        ("Сумма", "Not a number"),
        ("Статус", "Unknown value"),
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("\u00a012,5 ", "12.5"),
    ],
)
def test_decimal_parsing_reads_the_usual_spellings(text: str, number: str) -> None:
    assert seams.parse_decimal(text) == Decimal(number)


def test_dates_are_read_in_russian_and_iso_forms() -> None:
    assert seams.parse_date("01.02.2024") == date(2024, 2, 1)
    assert seams.parse_date("2024-02-01") == date(2024, 2, 1)
    with pytest.raises(ValueError, match="32"):
        seams.parse_date("32.01.2024")


def test_the_header_row_is_found_below_title_rows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = [
        ["Отчёт о продажах за декабрь", None, None],
        [None, None, None],
        ["Артикул", "Наименование", "Цена"],
        ["R-1", "Роза", 150],
        [None, None, None],
        ["R-2", "Лилия", 200.0],
    ]
    monkeypatch.setattr(seams, "open_file", lambda *_: source_of(rows))

    table = open_table(tmp_path / "x.xlsx", "x.xlsx", Limits())

    assert table.header_row == 3
    assert table.headers == ["Артикул", "Наименование", "Цена"]
    assert [number for number, _ in table.rows] == [4, 6]


ITEM_EXPORT_KEYS = ["sku", "name", "type", "price", "tags", "description", "archived_at"]


@pytest.mark.parametrize(
    "headers",
    [
        ITEM_EXPORT_KEYS,
        ["Артикул", "Наименование", "Тип", "Цена", "Метки", "Описание", "В архиве с"],
        ["SKU", "Name", "Type", "Price", "Tags", "Description", "Archived at"],
    ],
)
def test_an_item_export_maps_back_by_its_keys_and_its_labels(headers: list[str]) -> None:
    mapping = auto_map(headers, ITEM_FIELDS)

    assert mapping == {
        "sku": headers[0], "name": headers[1], "price": headers[3], "tags": headers[4],
        "description": headers[5], "archived_at": headers[6],
    }  # fmt: skip


def test_an_order_export_maps_line_columns_before_any_synonym() -> None:
    # "total" is a synonym of a line's amount: the export's own `line.amount` wins.
    headers = ["number", "status", "customer", "total", "note", "line.sku", "line.name"]
    headers += ["line.quantity", "line.unit_price", "line.coefficient", "line.amount"]
    headers += ["line.position", "line.measure_unit", "attr.address"]
    fields = [*ORDER_FIELDS, *attribute_fields([{"name": "address", "type": "string"}])]

    mapping = auto_map(headers, fields)

    assert mapping["amount"] == "line.amount"
    assert mapping["line_sku"] == "line.sku"
    assert mapping["line_name"] == "line.name"
    assert mapping["quantity"] == "line.quantity"
    assert mapping["coefficient"] == "line.coefficient"
    assert mapping["position"] == "line.position"
    assert mapping["measure_unit"] == "line.measure_unit"
    assert mapping["attributes.address"] == "attr.address"
    assert "total" not in mapping.values()


def _reader(headers: list[str], source_format: str) -> RowReader:
    fields = ITEM_FIELDS
    own = is_own_export(source_format, headers, fields)
    return RowReader(fields, resolve(auto_map(headers, fields), headers, fields), headers,
                     unescape=own)  # fmt: skip


@pytest.mark.parametrize(
    "text", ["=1+2", "+7 999", "-5", "@user", "\tTab", " =x", "'=x", "''-y", "'", "'abc", "a'"]
)
def test_a_csv_export_gets_its_formula_escapes_undone_exactly(text: str) -> None:
    headers = ["sku", "name", "description"]

    read = _reader(headers, "csv").read(2, ["S-1", "x", escape_cell(text)])

    assert isinstance(read, ParsedRow)
    assert read.values["description"] == text


@pytest.mark.parametrize(
    ("source_format", "headers"),
    [
        ("csv", ["Артикул", "Наименование", "Описание поставщика"]),  # not our export's header
        ("xlsx", ["sku", "name", "description"]),  # XLSX cells are never escaped
        ("json", ["sku", "name", "description"]),
    ],
)
def test_an_apostrophe_in_a_file_that_is_not_an_escaped_export_is_kept(
    source_format: str, headers: list[str]
) -> None:
    fields = ITEM_FIELDS
    mapping = {"sku": headers[0], "name": headers[1], "description": headers[2]}
    own = is_own_export(source_format, headers, fields)
    reader = RowReader(fields, resolve(mapping, headers, fields), headers, unescape=own)

    read = reader.read(2, ["S-1", "'=x", "'-5"])

    assert not own
    assert isinstance(read, ParsedRow)
    assert read.values["name"] == "'=x"
    assert read.values["description"] == "'-5"


def test_tags_come_from_a_list_or_comma_separated_text() -> None:
    headers = ["sku", "name", "tags"]
    reader = _reader(headers, "json")

    from_text = reader.read(2, ["S-1", "x", "хит, весна ,, new"])
    from_list = reader.read(3, ["S-2", "x", ["a, b", " c "]])

    assert isinstance(from_text, ParsedRow)
    assert isinstance(from_list, ParsedRow)
    assert from_text.values["tags"] == ["хит", "весна", "new"]
    assert from_list.values["tags"] == ["a, b", "c"]


def test_free_texts_keep_their_whitespace_and_names_are_trimmed() -> None:
    read = _reader(["sku", "name", "description"], "json").read(2, [" S-1 ", " x ", "\tabc  "])

    assert isinstance(read, ParsedRow)
    assert read.values == {"sku": "S-1", "name": "x", "description": "\tabc  "}
