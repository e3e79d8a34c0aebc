"""Text decoding: BOM, strict UTF-8, UTF-16, Windows-1251 or KOI8-R — or a clear error."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import FormatError, UnsupportedFormat
from orderdesk.transfer.formats.text import SAMPLE_BYTES, detect_encoding, russian_score
from tests.transfer.formats import samples

TABLE = "Номер;Товар;Сумма\n1;Кофе латте большой;1 234,50\n2;Чай зелёный с жасмином;99,00\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + TABLE.encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TABLE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TABLE.encode("utf-16-be"), "utf-16"),
        (TABLE.encode(), "utf-8"),
        (TABLE.encode("utf-16-le"), "utf-16-le"),
        (TABLE.encode("utf-16-be"), "utf-16-be"),
        (TABLE.encode("cp1251"), "cp1251"),
        (TABLE.encode("koi8_r"), "koi8_r"),
    ],
)
def test_the_encoding_is_found_and_the_russian_text_reads_back(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    assert detect_encoding(data, "f.csv") == encoding
    source, rows = samples.read(samples.write(tmp_path, "orders.csv", data))
    assert source.format == "csv"
    assert rows[1] == ["1", "Кофе латте большой", "1 234,50"]
    assert rows[2][1] == "Чай зелёный с жасмином"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Привет", "cp1251"),
        ("Привет", "koi8_r"),
        ("Кофе", "cp1251"),
        ("Кофе", "koi8_r"),
        ("Счёт №15 от 01.02.2024", "cp1251"),
        ("Счёт от 01.02.2024", "koi8_r"),
        ("ЗАО «Ромашка», ИНН 7701234567", "cp1251"),
    ],
)
def test_short_cyrillic_texts_are_not_confused_between_cp1251_and_koi8(
    text: str, encoding: str
) -> None:
    assert detect_encoding(text.encode(encoding), "f.txt") == encoding


def test_real_russian_text_scores_far_above_a_wrongly_decoded_one() -> None:
    data = TABLE.encode("cp1251")
    assert russian_score(data.decode("cp1251")) > 2 * russian_score(data.decode("koi8_r"))


def test_cp1251_after_a_long_ascii_head_is_still_found(tmp_path: Path) -> None:
    head = "sku;name;price\n" + "".join(f"A-{i};item;{i},00\n" for i in range(40_000))
    assert len(head) > SAMPLE_BYTES
    data = (head + "Z-1;Кофе молотый;5,00\n").encode("cp1251")
    source, rows = samples.read(samples.write(tmp_path, "items.csv", data))
    assert source.encoding == "cp1251"
    assert rows[-1] == ["Z-1", "Кофе молотый", "5,00"]


def test_invalid_utf8_in_the_middle_names_its_byte_offset_and_line(tmp_path: Path) -> None:
    good = "".join(f"{i};Кофе;1,00\n" for i in range(2000)).encode()
    bad_line = "2000;Чай;2,00\n".encode("cp1251")
    data = b"n;name;sum\n" + good + b"x" * (SAMPLE_BYTES) + b"\n" + bad_line
    path = samples.write(tmp_path, "orders.csv", data)
    with pytest.raises(FormatError) as caught:
        samples.read(path)
    error = caught.value
    assert error.detail_key == "transfer.encoding_invalid"
    assert error.params["encoding"] == "utf-8"
    assert error.params["offset"] == data.index(bad_line) + len("2000;")
    assert error.params["line"] == 2003
    assert "2003" in t(error.detail_key, "ru", **error.params)


def test_text_in_an_unknown_single_byte_encoding_is_a_clear_error(tmp_path: Path) -> None:
    data = "Müller Straße;Größe;Übermaß\nÄrger;Öl;Süß\n".encode("latin-1")
    with pytest.raises(FormatError) as caught:
        samples.read(samples.write(tmp_path, "de.csv", data))
    assert caught.value.detail_key == "transfer.encoding_unknown"
    assert caught.value.status == 422


def test_an_encoding_chosen_by_the_caller_is_used(tmp_path: Path) -> None:
    data = "a;b\nКофе;1\n".encode("cp866")
    _, rows = samples.read(samples.write(tmp_path, "dos.csv", data), encoding="cp866")
    assert rows[1] == ["Кофе", "1"]


def test_binary_junk_with_a_text_extension_is_unsupported(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormat):
        samples.read(samples.write(tmp_path, "orders.csv", bytes(range(256)) * 64))
