"""JSON: arrays of records, records inside an object, NDJSON; deep or broken JSON is refused."""

from __future__ import annotations

import json
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import FormatError, Limits, TooLarge, open_source
from tests.transfer.formats import samples

ORDERS = [
    {"number": "A-1", "sum": 1234.5, "customer": {"name": "Иванов", "phone": "+7 900"}},
    {"number": "A-2", "sum": 99, "tags": ["vip", "опт"], "paid": True},
    {"number": "A-3", "lines": [{"sku": "R-1", "qty": 2}], "note": None},
]
HEADER = ["number", "sum", "customer.name", "customer.phone", "tags", "paid", "lines", "note"]


def test_an_array_of_records_becomes_a_header_and_rows(tmp_path: Path) -> None:
    source, rows = samples.read(samples.write(tmp_path, "orders.json", json.dumps(ORDERS)))
    assert source.format == "json"
    assert rows[0] == HEADER
    assert rows[1] == ["A-1", Decimal("1234.5"), "Иванов", "+7 900", None, None, None, None]
    assert rows[2] == ["A-2", 99, None, None, "vip, опт", True, None, None]
    assert rows[3][HEADER.index("lines")] == '[{"sku":"R-1","qty":2}]'


def test_records_inside_an_object_are_found(tmp_path: Path) -> None:
    document = {"exported": "2024-02-01", "meta": {"count": 3}, "orders": ORDERS}
    path = samples.write(tmp_path, "export.json", json.dumps(document, ensure_ascii=False))
    _, rows = samples.read(path)
    assert rows[0] == HEADER
    assert len(rows) == 4


def test_a_single_line_document_with_a_list_is_not_mistaken_for_ndjson(tmp_path: Path) -> None:
    document = json.dumps({"orders": ORDERS}, ensure_ascii=False)
    _, rows = samples.read(samples.write(tmp_path, "one-line.json", document))
    assert rows[0] == HEADER


def test_the_record_list_can_be_named(tmp_path: Path) -> None:
    document = {"customers": [{"id": 1}], "orders": ORDERS}
    path = samples.write(tmp_path, "export.json", json.dumps(document))
    _, rows = samples.read(path, record="orders.item")
    assert rows[0] == HEADER


def test_ndjson_gives_one_row_per_line(tmp_path: Path) -> None:
    text = "\n".join(json.dumps(order, ensure_ascii=False) for order in ORDERS) + "\n"
    source, rows = samples.read(samples.write(tmp_path, "orders.ndjson", text))
    assert source.format == "json"
    assert rows[0] == HEADER
    assert rows[2][HEADER.index("tags")] == "vip, опт"


def test_a_broken_ndjson_line_is_named(tmp_path: Path) -> None:
    text = '{"a": 1}\n{"a": 2}\n{"a": \n'
    with pytest.raises(FormatError) as caught:
        samples.read(samples.write(tmp_path, "broken.ndjson", text))
    assert caught.value.detail_key == "transfer.ndjson_invalid"
    assert caught.value.params["line"] == 3


def test_json_in_windows_1251_is_decoded(tmp_path: Path) -> None:
    text = json.dumps([{"товар": "Кофе", "цена": "1 234,50"}], ensure_ascii=False)
    _, rows = samples.read(samples.write(tmp_path, "prices.json", text, "cp1251"))
    assert rows == [["товар", "цена"], ["Кофе", "1 234,50"]]


def test_deeply_nested_json_is_refused_without_recursion_error(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(TooLarge) as caught:
        samples.read(path)
    assert caught.value.detail_key == "transfer.too_deep"
    assert caught.value.params == {"limit": Limits().max_depth, "where": "record 1"}


def test_deeply_nested_ndjson_is_refused(tmp_path: Path) -> None:
    deep = '{"a": ' * 100 + "1" + "}" * 100
    path = samples.write(tmp_path, "deep.ndjson", '{"a": 1}\n' + deep + "\n")
    with pytest.raises(TooLarge) as caught:
        samples.read(path)
    assert caught.value.params["where"] == "line 2"


def test_truncated_json_names_the_record_it_broke_in(tmp_path: Path) -> None:
    text = json.dumps(ORDERS)[:-40]
    with pytest.raises(FormatError) as caught:
        samples.read(samples.write(tmp_path, "cut.json", text))
    error = caught.value
    assert error.detail_key == "transfer.json_invalid"
    assert error.params["record"] == 3
    assert "3" in t(error.detail_key, "ru", **error.params)


def test_a_huge_string_value_is_too_large_naming_its_column(tmp_path: Path) -> None:
    text = json.dumps([{"sku": "R-1"}, {"sku": "R-2", "note": "ж" * 200_000}], ensure_ascii=False)
    with pytest.raises(TooLarge) as caught:
        samples.read(samples.write(tmp_path, "long.json", text))
    assert caught.value.params == {"row": 3, "column": "note", "limit": Limits().max_cell_chars}


def test_an_array_of_plain_values_gives_a_value_column(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "skus.json", '["R-1", "R-2"]'))
    assert rows == [["value"], ["R-1"], ["R-2"]]


def test_a_big_array_is_streamed_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("w") as file:
        file.write("[")
        file.write(",".join(json.dumps({"n": i, "name": f"item {i}"}) for i in range(30_000)))
        file.write("]")
    tracemalloc.start()
    try:
        source = open_source(path, filename="big.json")
        count = sum(1 for sheet in source.sheets for _ in sheet.rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 30_001
    assert peak < 4 * 1024 * 1024  # the records alone would take ≈ 20 MB
