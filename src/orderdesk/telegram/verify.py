"""Telegram Login Widget and Mini App initData verification (HMAC-SHA-256, freshness windows).

Both formats sign a data-check-string: every field but `hash`, as `key=value`, sorted by key,
joined with "\\n". They differ in the key: the Login Widget uses SHA-256(bot token), a Mini App
HMAC-SHA-256(key="WebAppData", msg=bot token). initData's `signature` (the Ed25519 signature for
third parties) is part of the signed string and stays in it. Every failure is a
`TelegramAuthError` (401 problem+json), whatever was wrong with the input.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from orderdesk.core.errors import Unauthorized
from orderdesk.core.i18n import register
from orderdesk.telegram.accounts import TelegramIdentity

MAX_INIT_DATA_CHARS = 8192  # real initData is under 2 KB; the cap bounds parsing work
MAX_FIELDS = 32
MAX_VALUE_CHARS = 4096
MAX_FUTURE = timedelta(seconds=60)  # clock skew allowed between Telegram and us
MAX_TELEGRAM_ID = 2**53  # Telegram ids fit in 52 bits
_HASH = re.compile(r"^[0-9a-f]{64}$")
_DIGITS = re.compile(r"^[0-9]{1,16}$")
_WIDGET_FIELD = re.compile(r"^[a-z_]{1,32}$")

register(
    {
        "tg_auth.invalid": {
            "en": "The Telegram login data is malformed; open the app from Telegram again.",
            "ru": "Данные входа через Telegram повреждены; откройте приложение из Telegram снова.",
        },
        "tg_auth.signature": {
            "en": "The Telegram signature check failed: the data was changed or signed "
            "for another bot.",
            "ru": "Проверка подписи Telegram не прошла: данные изменены или подписаны "
            "для другого бота.",
        },
        "tg_auth.stale": {
            "en": "The Telegram login data is too old; open the app or log in again.",
            "ru": "Данные входа через Telegram устарели; откройте приложение или войдите снова.",
        },
        "tg_auth.future": {
            "en": "The Telegram login data is dated in the future; check the server clock.",
            "ru": "Данные входа через Telegram датированы будущим; проверьте часы сервера.",
        },
    }
)


class TelegramAuthError(Unauthorized):
    """Telegram login data that is malformed, forged, stale or from the future (401)."""

    def __init__(self, key: str = "tg_auth.invalid", *, reason: str = "", **kwargs: Any) -> None:
        self.reason = reason or key
        super().__init__(key, **kwargs)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        """The problem, plus the exact check that failed as a machine-readable `reason`."""
        return {**super().body(instance), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class WidgetLogin:
    """A verified Login Widget payload."""

    identity: TelegramIdentity
    auth_date: datetime
    photo_url: str = ""


@dataclass(frozen=True, slots=True)
class InitData:
    """A verified Mini App initData."""

    identity: TelegramIdentity
    auth_date: datetime
    start_param: str | None = None
    chat_type: str | None = None
    chat_instance: str | None = None
    query_id: str | None = None
    user: dict[str, Any] = field(default_factory=dict)  # Telegram's user object as sent
    chat: dict[str, Any] | None = None
    receiver: dict[str, Any] | None = None


def login_widget_secret(token: str) -> bytes:
    """The Login Widget key: SHA-256 of the bot token."""
    return hashlib.sha256(token.encode()).digest()


def init_data_secret(token: str) -> bytes:
    """The Mini App key: HMAC-SHA-256 of the bot token keyed with "WebAppData"."""
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: Mapping[str, str]) -> str:
    """`key=value` lines of every field but `hash`, sorted by key."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def sign(fields: Mapping[str, str], secret: bytes) -> str:
    """The hex HMAC-SHA-256 of the fields' data-check-string (also used by tests to sign)."""
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def verify_login_widget(
    data: Mapping[str, object], *, token: str, max_age_seconds: int, now: datetime | None = None
) -> WidgetLogin:
    """Check a Login Widget payload (JSON object of its fields) and return who it is."""
    if not isinstance(data, Mapping) or len(data) > MAX_FIELDS:
        raise TelegramAuthError(reason="not an object of fields")
    fields = {_widget_key(key): _widget_value(key, value) for key, value in data.items()}
    _check_hash(fields, login_widget_secret(token))
    auth_date = _check_fresh(fields.get("auth_date"), max_age_seconds, now)
    identity = _identity(
        {k: fields.get(k, "") for k in ("id", "first_name", "last_name", "username")}
    )
    return WidgetLogin(
        identity=identity, auth_date=auth_date, photo_url=fields.get("photo_url", "")
    )


def verify_init_data(
    init_data: object, *, token: str, max_age_seconds: int, now: datetime | None = None
) -> InitData:
    """Check a Mini App initData query string and return its user and launch parameters."""
    fields = parse_init_data(init_data)
    _check_hash(fields, init_data_secret(token))
    auth_date = _check_fresh(fields.get("auth_date"), max_age_seconds, now)
    if "user" not in fields:
        raise TelegramAuthError(reason="no user")
    user = _json_object(fields["user"], "user")
    return InitData(
        identity=_identity(user),
        auth_date=auth_date,
        start_param=fields.get("start_param"),
        chat_type=fields.get("chat_type"),
        chat_instance=fields.get("chat_instance"),
        query_id=fields.get("query_id"),
        user=user,
        chat=_json_object(fields["chat"], "chat") if "chat" in fields else None,
        receiver=_json_object(fields["receiver"], "receiver") if "receiver" in fields else None,
    )


def parse_init_data(init_data: object) -> dict[str, str]:
    """initData's fields; a duplicated key, bad encoding or an oversized string is refused."""
    if not isinstance(init_data, str) or not init_data:
        raise TelegramAuthError(reason="empty")
    if len(init_data) > MAX_INIT_DATA_CHARS:
        raise TelegramAuthError(reason="too long")
    try:
        pairs = parse_qsl(
            init_data,
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise TelegramAuthError(reason="not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise TelegramAuthError(reason="duplicate field")
    return fields


def _widget_key(key: object) -> str:
    if not isinstance(key, str) or not _WIDGET_FIELD.match(key):
        raise TelegramAuthError(reason="unexpected field")
    return key


def _widget_value(key: str, value: object) -> str:
    # The widget sends numbers (id, auth_date) as JSON numbers or strings; both sign the same.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TelegramAuthError(reason=f"bad {key}")
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        raise TelegramAuthError(reason=f"bad {key}")
    return text


def _check_hash(fields: Mapping[str, str], secret: bytes) -> None:
    received = fields.get("hash", "")
    if not _HASH.match(received):
        raise TelegramAuthError(reason="missing or malformed hash")
    if not hmac.compare_digest(sign(fields, secret), received):
        raise TelegramAuthError("tg_auth.signature", reason="signature mismatch")


def _check_fresh(value: str | None, max_age_seconds: int, now: datetime | None) -> datetime:
    if value is None or not _DIGITS.match(value):
        raise TelegramAuthError(reason="bad auth_date")
    auth_date = datetime.fromtimestamp(int(value), UTC)
    now = now or datetime.now(UTC)
    if auth_date > now + MAX_FUTURE:
        raise TelegramAuthError("tg_auth.future")
    if now - auth_date > timedelta(seconds=max_age_seconds):
        raise TelegramAuthError("tg_auth.stale")
    return auth_date


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # deep nesting is a RecursionError
        raise TelegramAuthError(reason=f"{name} is not JSON") from exc
    if not isinstance(value, dict):
        raise TelegramAuthError(reason=f"{name} is not an object")
    return value


def _identity(user: Mapping[str, Any]) -> TelegramIdentity:
    raw_id = user.get("id")
    if isinstance(raw_id, str) and _DIGITS.match(raw_id):
        raw_id = int(raw_id)
    if isinstance(raw_id, bool) or not isinstance(raw_id, int) or not 0 < raw_id < MAX_TELEGRAM_ID:
        raise TelegramAuthError(reason="bad user id")
    names = {}
    for key in ("first_name", "last_name", "username", "language_code"):
        value = user.get(key) or ""
        if not isinstance(value, str) or len(value) > 256:
            raise TelegramAuthError(reason=f"bad {key}")
        names[key] = value
    return TelegramIdentity(id=raw_id, **names)
