"""Russian and English text for everything a user reads; the locale comes from the request."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

SUPPORTED = ("en", "ru")
DEFAULT_LOCALE = "en"

_current: ContextVar[str] = ContextVar("orderdesk_locale", default=DEFAULT_LOCALE)
_catalog: dict[str, dict[str, str]] = {}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add messages ({key: {"en": ..., "ru": ...}}); every key needs both languages."""
    for key, texts in messages.items():
        missing = [lang for lang in SUPPORTED if lang not in texts]
        if missing:
            raise ValueError(f"message {key!r} lacks {missing}")
        if _catalog.get(key, texts) != texts:  # two modules giving one key different texts
            raise ValueError(f"message {key!r} is already registered with other texts")
        _catalog[key] = texts


def negotiate(accept_language: str | None) -> str:
    """Pick ru or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return DEFAULT_LOCALE
    best, best_q = DEFAULT_LOCALE, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang in SUPPORTED and q > 0 and q > best_q:  # q=0 means "not this language"
            best, best_q = lang, q
    return best


def set_locale(locale: str) -> None:
    _current.set(locale if locale in SUPPORTED else DEFAULT_LOCALE)


def current_locale() -> str:
    return _current.get()


def t(key: str, locale: str | None = None, **params: Any) -> str:
    """Translate a message key; unknown keys come back as they are."""
    texts = _catalog.get(key)
    if texts is None:
        return key
    text = texts[locale or _current.get()]
    return text.format(**params) if params else text


def both(key: str, **params: Any) -> dict[str, str]:
    """The message in every supported language (for stored texts such as audit comments)."""
    return {lang: t(key, lang, **params) for lang in SUPPORTED}
