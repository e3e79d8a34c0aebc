"""Locale negotiation and the message catalogue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orderdesk.core.i18n import both, current_locale, negotiate, register, set_locale, t


@pytest.fixture(autouse=True)
def _restore_locale() -> Iterator[None]:
    """Sync tests share the main thread's context: leave its locale as it was."""
    before = current_locale()
    yield
    set_locale(before)


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "en"),
        ("", "en"),
        ("ru", "ru"),
        ("RU", "ru"),
        ("ru-RU", "ru"),
        ("en-GB", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en;q=0.5, ru;q=0.9", "ru"),
        ("ru;q=0.1, en", "en"),
        ("de, fr;q=0.8", "en"),
        ("de, ru;q=0.3", "ru"),
        ("ru;q=banana, en;q=0.1", "en"),
        ("ru;q=0", "en"),
        ("en;q=0, ru;q=0.2", "ru"),
        ("*", "en"),
        ("  ru ; q=0.8 ,  en ; q=0.4 ", "ru"),
    ],
)
def test_negotiate_picks_the_best_supported_language(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale


def test_translation_follows_the_current_locale() -> None:
    set_locale("ru")
    assert t("problem.not_found") == "Не найдено"
    set_locale("en")
    assert t("problem.not_found") == "Not found"


def test_unsupported_locale_falls_back_to_english() -> None:
    set_locale("de")
    assert t("problem.not_found") == "Not found"


def test_explicit_locale_and_parameters() -> None:
    set_locale("en")
    assert t("problem.rate_limited.detail", "ru", seconds=7) == "Повторите через 7 с."


def test_unknown_key_comes_back_unchanged() -> None:
    assert t("no.such.message") == "no.such.message"


def test_both_gives_every_language() -> None:
    assert both("problem.rate_limited.detail", seconds=15) == {
        "en": "Try again in 15 s.",
        "ru": "Повторите через 15 с.",
    }


def test_register_refuses_a_message_without_russian() -> None:
    with pytest.raises(ValueError, match="ru"):
        register({"test.only_english": {"en": "Hello"}})


def test_a_key_registered_twice_with_other_texts_is_refused() -> None:
    register({"test.twice": {"en": "One", "ru": "Один"}})
    register({"test.twice": {"en": "One", "ru": "Один"}})  # the same texts again are fine

    with pytest.raises(ValueError, match="test.twice"):
        register({"test.twice": {"en": "Other", "ru": "Другой"}})
