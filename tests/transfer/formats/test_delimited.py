"""CSV/TSV: delimiter sniffing, quoting, ragged rows, and hostile files within limits."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import FormatError, Limits, TooLarge, open_source
from orderdesk.transfer.formats.delimited import sniff_delimiter
from tests.transfer.formats import samples

MB = 1024 * 1024

# The csv-spectrum corpus (github.com/max-mapper/csv-spectrum, BSD-2): its cases, inline.
CSV_SPECTRUM = {
    "comma_in_quotes": (
        'first,last,address,city,zip\nJohn,Doe,120 any st.,"Anytown, WW",08123\n',
        [
            ["first", "last", "address", "city", "zip"],
            ["John", "Doe", "120 any st.", "Anytown, WW", "08123"],
        ],
    ),
    "empty": ('a,b,c\n1,"",""\n2,3,4\n', [["a", "b", "c"], ["1", "", ""], ["2", "3", "4"]]),
    "empty_crlf": (
        'a,b,c\r\n1,"",""\r\n2,3,4\r\n',
        [["a", "b", "c"], ["1", "", ""], ["2", "3", "4"]],
    ),
    "escaped_quotes": (
        'a,b\n1,"ha ""ha"" ha"\n3,4\n',
        [["a", "b"], ["1", 'ha "ha" ha'], ["3", "4"]],
    ),
    "json": (
        'key,val\n1,"{""type"": ""Point"", ""coordinates"": [102.0, 0.5]}"\n',
        [["key", "val"], ["1", '{"type": "Point", "coordinates": [102.0, 0.5]}']],
    ),
    "newlines": (
        'a,b,c\n1,2,3\n"Once upon \na time",5,6\n7,8,9\n',
        [["a", "b", "c"], ["1", "2", "3"], ["Once upon \na time", "5", "6"], ["7", "8", "9"]],
    ),
    "newlines_crlf": (
        'a,b,c\r\n1,2,3\r\n"Once upon \r\na time",5,6\r\n7,8,9\r\n',
        [["a", "b", "c"], ["1", "2", "3"], ["Once upon \r\na time", "5", "6"], ["7", "8", "9"]],
    ),
    "quotes_and_newlines": (
        'a,b\n1,"ha \n""ha"" \nha"\n3,4\n',
        [["a", "b"], ["1", 'ha \n"ha" \nha'], ["3", "4"]],
    ),
    "simple": ("a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]]),
    "simple_crlf": ("a,b,c\r\n1,2,3\r\n", [["a", "b", "c"], ["1", "2", "3"]]),
    "utf8": ("a,b,c\n1,2,3\n4,5,ʤ\n", [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "ʤ"]]),
}


@pytest.mark.parametrize("case", sorted(CSV_SPECTRUM))
def test_csv_spectrum_cases_read_as_the_corpus_expects(tmp_path: Path, case: str) -> None:
    text, expected = CSV_SPECTRUM[case]
    source, rows = samples.read(samples.write(tmp_path, f"{case}.csv", text))
    assert (source.format, source.delimiter) == ("csv", ",")
    assert rows == expected


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Товар;Цена;Кол-во\nКофе;1 234,50;2\nЧай;99,00;1\n", ";"),
        ("sku,name,price\nR-1,Rose,150\nT-2,Tulip,90\n", ","),
        ("sku\tname\tprice\nR-1\tRose, red\t150\n", "\t"),
        ("sku|name|price\nR-1|Rose; red|150\nT-2|Tulip|90\n", "|"),
        ('name;note\n"Иванов, Иван";"a;b"\n"Петров, Пётр";c\n', ";"),
        ("a;b;1,5\nc;d;2,5\n", ";"),
    ],
)
def test_the_delimiter_is_sniffed_respecting_quotes(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_a_title_row_above_the_table_does_not_confuse_the_sniffer(tmp_path: Path) -> None:
    text = "Отчёт о продажах за май\n\nНомер;Товар;Сумма\n1;Кофе;1 234,50\n2;Чай;99,00\n"
    source, rows = samples.read(samples.write(tmp_path, "report.csv", text, "cp1251"))
    assert source.delimiter == ";"
    assert rows == [
        ["Отчёт о продажах за май"],
        [],
        ["Номер", "Товар", "Сумма"],
        ["1", "Кофе", "1 234,50"],
        ["2", "Чай", "99,00"],
    ]


def test_ragged_rows_are_kept_as_they_are(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "r.csv", "a;b;c\n1;2\n3;4;5;6\n"))
    assert rows == [["a", "b", "c"], ["1", "2"], ["3", "4", "5", "6"]]


def test_a_truncated_csv_keeps_the_rows_it_has_and_the_cut_row_short(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "cut.csv", "a;b;c\n1;2;3\n4;5"))
    assert rows == [["a", "b", "c"], ["1", "2", "3"], ["4", "5"]]


def test_a_200000_character_field_is_too_large_naming_row_and_column(tmp_path: Path) -> None:
    text = "sku;name;note\nR-1;Роза;ok\nR-2;Тюльпан;" + "ж" * 200_000 + "\nR-3;x;y\n"
    path = samples.write(tmp_path, "long.csv", text)
    with pytest.raises(TooLarge) as caught:
        samples.read(path)
    error = caught.value
    assert error.status == 413
    assert error.detail_key == "transfer.cell_too_long"
    assert error.params == {"row": 3, "column": 3, "limit": Limits().max_cell_chars}
    assert "столбец 3" in t(error.detail_key, "ru", **error.params)


def test_a_long_quoted_multiline_field_names_its_row_and_column(tmp_path: Path) -> None:
    long = "строка\n" * 20_000
    text = f'sku;name;note\nR-1;"Роза";"{long}"\n'
    with pytest.raises(TooLarge) as caught:
        samples.read(samples.write(tmp_path, "long.csv", text))
    assert (caught.value.params["row"], caught.value.params["column"]) == (2, 3)


def test_a_50mb_single_line_hits_the_line_limit_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv"
    with path.open("wb") as file:
        file.write(b"a;b;c\n")
        for _ in range(50):
            file.write(b"x;" * (MB // 2))
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as caught:
            samples.read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.detail_key == "transfer.line_too_long"
    assert caught.value.params["line"] == 2
    assert peak < 40 * MB


def test_a_nul_character_is_an_error_naming_its_line(tmp_path: Path) -> None:
    text = "sku;name\n" + "".join(f"R-{i};Роза\n" for i in range(500)) + "R-x;Ро\x00за\n"
    with pytest.raises(FormatError) as caught:
        samples.read(samples.write(tmp_path, "nul.csv", text))
    assert caught.value.detail_key == "transfer.nul_character"
    assert caught.value.params == {"line": 502}


def test_more_rows_than_the_limit_are_refused(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "many.csv", "a;b\n" * 50)
    with pytest.raises(TooLarge) as caught:
        samples.read(path, limits=Limits(max_rows=10))
    assert caught.value.detail_key == "transfer.too_many_rows"


def test_more_columns_than_the_limit_are_refused_naming_the_row(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "wide.csv", "a;b\n1;2\n" + ";".join("x" * 30) + "\n")
    with pytest.raises(TooLarge) as caught:
        samples.read(path, limits=Limits(max_columns=10))
    assert caught.value.params == {"row": 3, "limit": 10}


def test_reading_many_rows_keeps_memory_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="cp1251", newline="") as file:
        file.write("Номер;Дата;Товар;Сумма\r\n")
        for i in range(100_000):
            file.write(f"{i};01.02.2024;Кофе латте {i % 50};1 234,50\r\n")
    tracemalloc.start()
    try:
        source = open_source(path, filename="big.csv")
        count = sum(1 for sheet in source.sheets for _ in sheet.rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 100_001
    assert peak < 8 * MB


def test_a_tsv_reads_tabs_and_keeps_commas(tmp_path: Path) -> None:
    source, rows = samples.read(samples.write(tmp_path, "t.tsv", "a\tb\n1,5\tx, y\n"))
    assert source.format == "tsv"
    assert rows == [["a", "b"], ["1,5", "x, y"]]
