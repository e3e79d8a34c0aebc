"""File names are made safe on upload and survive the trip back in Content-Disposition."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.files.names import (
    MAX_NAME_LENGTH,
    ascii_fallback,
    content_disposition,
    sanitize_filename,
)


@given(st.text(max_size=400))
def test_a_sanitised_name_is_always_one_safe_component(name: str) -> None:
    result = sanitize_filename(name)
    assert result
    assert len(result) <= MAX_NAME_LENGTH
    assert "/" not in result
    assert "\\" not in result
    assert not any(unicodedata.category(char) in {"Cc", "Cf"} for char in result)
    assert ".." not in result
    assert not result.startswith(".")
    assert unicodedata.is_normalized("NFC", result)


@given(st.text(alphabet=st.sampled_from("./\\.. \x00\n"), max_size=50))
def test_names_of_only_dots_and_separators_become_a_safe_default(name: str) -> None:
    result = sanitize_filename(name)
    assert ".." not in result.replace("_", "/").split("/")


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Сертификат поверки №5.pdf", "Сертификат поверки №5.pdf"),
        ("../../etc/passwd", "_._etc_passwd"),
        ("..\\..\\boot.ini", "_._boot.ini"),
        ("report..final.pdf", "report.final.pdf"),
        ("C:\\Users\\Иван\\акт.pdf", "C__Users_Иван_акт.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("inv\u202eoice.pdf", "invoice.pdf"),
        ("  ..hidden  ", "hidden"),
        ("..", "file"),
        ("", "file"),
        ("Й.txt", "Й.txt"),
    ],
)
def test_examples_of_sanitised_names(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe


def test_decomposed_cyrillic_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Йод.pdf")
    assert decomposed != "Йод.pdf"
    assert sanitize_filename(decomposed) == "Йод.pdf"


def test_a_long_name_keeps_its_extension() -> None:
    result = sanitize_filename("а" * 500 + ".pdf")
    assert len(result) == MAX_NAME_LENGTH
    assert result.endswith("а.pdf")


def parse_filename(header: str) -> str:
    """The name a user agent following RFC 6266 shows: `filename*` wins over `filename`."""
    extended = re.search(r"filename\*=([^;]+)", header)
    if extended:
        charset, _, value = extended.group(1).strip().partition("''")
        assert charset.upper() == "UTF-8"
        return unquote(value, encoding="utf-8", errors="strict")
    message = Message()
    message["Content-Disposition"] = header
    return str(message.get_filename())


@pytest.mark.parametrize(
    "name", ["Сертификат поверки №5.pdf", "plain.txt", 'a b; c="d".pdf', "50%.xlsx"]
)
def test_content_disposition_round_trips_the_name(name: str) -> None:
    header = content_disposition(name)
    assert header.startswith('attachment; filename="')
    assert parse_filename(header) == name
    fallback = Message()
    fallback["Content-Disposition"] = header.split("; filename*=")[0]
    assert fallback.get_filename() == ascii_fallback(name)
    assert header.isascii()


def test_the_ascii_fallback_is_plain_ascii_with_the_extension() -> None:
    assert ascii_fallback("Сертификат поверки №5.pdf").endswith(".pdf")
    assert ascii_fallback("Сертификат поверки №5.pdf").isascii()
    assert ascii_fallback("Café.txt") == "Cafe.txt"
    assert ascii_fallback("Акт.pdf") == "file.pdf"
