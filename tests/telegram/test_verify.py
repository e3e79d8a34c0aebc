"""Login Widget and Mini App initData verification: published vectors, forgeries, freshness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from orderdesk.telegram.verify import (
    MAX_INIT_DATA_CHARS,
    TelegramAuthError,
    data_check_string,
    init_data_secret,
    login_widget_secret,
    sign,
    verify_init_data,
    verify_login_widget,
)

# aiogram's test suite (tests/test_utils/test_web_app.py, test_auth_widget.py) publishes these.
AIOGRAM_WEBAPP_TOKEN = "42:TEST"  # noqa: S105
AIOGRAM_INIT_DATA = (
    "auth_date=1650385342"
    "&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
    "&query_id=test"
    "&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
)
AIOGRAM_INIT_DATA_UNICODE = (
    "auth_date=1650385342"
    "&user=%7B%22id%22%3A+%22123456789%22%2C+%22first_name%22%3A+%22PlaceholderFirstName%22%2C+"
    "%22last_name%22%3A+%22PlaceholderLastName+%5Cud83c%5Cuddfa%5Cud83c%5Cudde6%22%2C+"
    "%22username%22%3A+%22Latand%22%2C+%22language_code%22%3A+%22en%22%2C+%22is_premium%22%3A+"
    "%22true%22%2C+%22allows_write_to_pm%22%3A+%22true%22%7D"
    "&query_id=test"
    "&hash=b3c8b293f14ad0f7f0abcf769aea1209a72295d30a87eb0e74df855d32e53bfe"
)
AIOGRAM_WIDGET_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"  # noqa: S105
AIOGRAM_WIDGET = {
    "id": "42",
    "first_name": "John",
    "last_name": "Smith",
    "username": "username",
    "photo_url": "https://t.me/i/userpic/320/picname.jpg",
    "auth_date": "1565810688",
    "hash": "c303db2b5a06fe41d23a9b14f7c545cfc11dcc7473c07c9c5034ae60062461ce",
}
TOKEN = "777000:OWN-test-token-for-signing-0123456789"  # noqa: S105
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR = 3600


def at(unix: int, seconds: int = 10) -> datetime:
    return datetime.fromtimestamp(unix, UTC) + timedelta(seconds=seconds)


def signed_init_data(
    token: str = TOKEN, *, auth_date: datetime = NOW, user: Any = None, **fields: str
) -> str:
    """initData as Telegram builds it: fields, then hash over the sorted data-check-string."""
    if user is None:
        user = {"id": 1001, "first_name": "Иван", "language_code": "ru"}
    values = {"auth_date": str(int(auth_date.timestamp())), **fields}
    values["user"] = user if isinstance(user, str) else json.dumps(user, ensure_ascii=False)
    values["hash"] = sign(values, init_data_secret(token))
    return urlencode(values, quote_via=quote)


def signed_widget(token: str = TOKEN, *, auth_date: datetime = NOW, **fields: Any) -> dict:
    values: dict[str, Any] = {
        "id": 1001,
        "first_name": "Иван",
        "auth_date": int(auth_date.timestamp()),
        **fields,
    }
    values["hash"] = sign({k: str(v) for k, v in values.items()}, login_widget_secret(token))
    return values


def check(init_data: object, token: str = TOKEN, now: datetime = NOW) -> Any:
    return verify_init_data(init_data, token=token, max_age_seconds=HOUR, now=now)


def reason(exc: pytest.ExceptionInfo[TelegramAuthError]) -> str:
    return exc.value.reason


# --- published vectors -------------------------------------------------------------------


def test_aiogram_init_data_vector_verifies_and_yields_its_user() -> None:
    result = check(AIOGRAM_INIT_DATA, AIOGRAM_WEBAPP_TOKEN, at(1650385342))
    assert result.identity.id == 42
    assert result.identity.first_name == "Test"
    assert result.query_id == "test"
    assert result.auth_date == datetime.fromtimestamp(1650385342, UTC)


def test_aiogram_init_data_vector_with_an_emoji_surname_verifies() -> None:
    result = check(AIOGRAM_INIT_DATA_UNICODE, AIOGRAM_WEBAPP_TOKEN, at(1650385342))
    assert result.identity.id == 123456789
    assert result.identity.last_name == "PlaceholderLastName 🇺🇦"
    assert result.identity.locale == "en"


def test_aiogram_init_data_vector_is_refused_under_another_token() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        check(AIOGRAM_INIT_DATA, "42:INVALID", at(1650385342))
    assert reason(exc) == "signature mismatch"


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "test&foo=bar=baz",
        "user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test",
        "user=%7B%22id%22%3A42%7D&query_id=test&hash=test",
        "user=%7B%22id%22%3A42%7D&query_id=test&hash=%C3%A9%C3%A9%C3%A9",
    ],
    ids=["empty", "not-a-query-string", "no-hash", "short-hash", "non-ascii-hash"],
)
def test_aiogram_malformed_init_data_cases_are_refused_not_crashing(malformed: str) -> None:
    with pytest.raises(TelegramAuthError):
        check(malformed, AIOGRAM_WEBAPP_TOKEN, at(1650385342))


def test_aiogram_login_widget_vector_verifies() -> None:
    result = verify_login_widget(
        AIOGRAM_WIDGET,
        token=AIOGRAM_WIDGET_TOKEN,
        max_age_seconds=86_400,
        now=at(1565810688),
    )
    assert result.identity.id == 42
    assert result.identity.display_name == "John Smith"
    assert result.photo_url.endswith("picname.jpg")


def test_aiogram_login_widget_vector_without_a_signed_field_is_refused() -> None:
    data = {k: v for k, v in AIOGRAM_WIDGET.items() if k != "username"}
    with pytest.raises(TelegramAuthError):
        verify_login_widget(
            data, token=AIOGRAM_WIDGET_TOKEN, max_age_seconds=86_400, now=at(1565810688)
        )


# --- initData: our own cases ---------------------------------------------------------------


def test_init_data_returns_start_param_chat_type_and_unicode_names() -> None:
    user = {"id": 5, "first_name": "Алёна", "last_name": "Ёлкина 🌲", "username": "alena"}
    data = signed_init_data(
        user=user, start_param="unit_7", chat_type="private", chat_instance="-42"
    )
    result = check(data)
    assert result.identity.display_name == "Алёна Ёлкина 🌲"
    assert (result.start_param, result.chat_type, result.chat_instance) == (
        "unit_7",
        "private",
        "-42",
    )


def test_init_data_keeps_signature_in_the_data_check_string() -> None:
    data = signed_init_data(signature="ed25519-signature-for-third-parties")
    assert check(data).identity.id == 1001
    stripped = "&".join(p for p in data.split("&") if not p.startswith("signature="))
    with pytest.raises(TelegramAuthError) as exc:
        check(stripped)
    assert reason(exc) == "signature mismatch"


def test_data_check_string_drops_only_hash_and_sorts_keys() -> None:
    text = data_check_string({"hash": "h", "signature": "s", "auth_date": "1", "user": "{}"})
    assert text == "auth_date=1\nsignature=s\nuser={}"


def test_init_data_with_a_tampered_user_is_refused() -> None:
    data = signed_init_data()
    forged = data.replace("1001", "1002")
    with pytest.raises(TelegramAuthError) as exc:
        check(forged)
    assert reason(exc) == "signature mismatch"


def test_init_data_signed_with_the_login_widget_key_is_refused() -> None:
    values = {"auth_date": str(int(NOW.timestamp())), "user": '{"id": 1}'}
    values["hash"] = sign(values, login_widget_secret(TOKEN))
    with pytest.raises(TelegramAuthError):
        check(urlencode(values))


def test_init_data_older_than_the_window_is_stale() -> None:
    data = signed_init_data(auth_date=NOW - timedelta(seconds=HOUR + 1))
    with pytest.raises(TelegramAuthError) as exc:
        check(data)
    assert exc.value.detail_key == "tg_auth.stale"


def test_init_data_exactly_at_the_window_edge_is_accepted() -> None:
    assert check(signed_init_data(auth_date=NOW - timedelta(seconds=HOUR))).identity.id == 1001


def test_init_data_more_than_a_minute_in_the_future_is_refused() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        check(signed_init_data(auth_date=NOW + timedelta(seconds=61)))
    assert exc.value.detail_key == "tg_auth.future"
    assert check(signed_init_data(auth_date=NOW + timedelta(seconds=60))).identity.id == 1001


def test_init_data_with_a_duplicated_hash_is_refused() -> None:
    data = signed_init_data()
    with pytest.raises(TelegramAuthError) as exc:
        check(data + "&hash=" + "0" * 64)
    assert reason(exc) == "duplicate field"


def test_init_data_with_a_duplicated_user_is_refused_even_if_signed() -> None:
    data = signed_init_data()
    with pytest.raises(TelegramAuthError) as exc:
        check("user=%7B%22id%22%3A1%7D&" + data)
    assert reason(exc) == "duplicate field"


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("not json", "user is not JSON"),
        ("[1, 2]", "user is not an object"),
        ("[" * 1200 + "]" * 1200, "user is not JSON"),
        ({"first_name": "no id"}, "bad user id"),
        ({"id": True}, "bad user id"),
        ({"id": 1.5}, "bad user id"),
        ({"id": -3}, "bad user id"),
        ({"id": 2**60}, "bad user id"),
        ({"id": 7, "first_name": {"x": 1}}, "bad first_name"),
    ],
    ids=["text", "array", "deep", "no-id", "bool-id", "float-id", "negative", "huge", "dict-name"],
)
def test_init_data_with_a_signed_but_malformed_user_is_refused(user: Any, expected: str) -> None:
    with pytest.raises(TelegramAuthError) as exc:
        check(signed_init_data(user=user))
    assert reason(exc) == expected


def test_init_data_without_a_user_is_refused() -> None:
    values = {"auth_date": str(int(NOW.timestamp())), "query_id": "q"}
    values["hash"] = sign(values, init_data_secret(TOKEN))
    with pytest.raises(TelegramAuthError) as exc:
        check(urlencode(values))
    assert reason(exc) == "no user"


@pytest.mark.parametrize("auth_date", ["", "abc", "-5", "1e9", "99999999999999999999"])
def test_init_data_with_a_malformed_auth_date_is_refused(auth_date: str) -> None:
    values = {"auth_date": auth_date, "user": '{"id": 1}'}
    values["hash"] = sign(values, init_data_secret(TOKEN))
    with pytest.raises(TelegramAuthError) as exc:
        check(urlencode(values))
    assert reason(exc) == "bad auth_date"


def test_oversized_init_data_is_refused_before_any_parsing() -> None:
    huge = signed_init_data(start_param="x" * MAX_INIT_DATA_CHARS)
    with pytest.raises(TelegramAuthError) as exc:
        check(huge)
    assert reason(exc) == "too long"


@pytest.mark.parametrize("value", [None, 42, b"auth_date=1", ["a=b"]])
def test_init_data_of_a_wrong_type_is_refused(value: object) -> None:
    with pytest.raises(TelegramAuthError):
        check(value)


def test_init_data_with_invalid_percent_encoding_is_refused() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        check("user=%FF%FE&auth_date=1&hash=" + "0" * 64)
    assert reason(exc) == "not a query string"


def test_init_data_error_renders_as_a_401_problem() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        check("nonsense")
    body = exc.value.body()
    assert exc.value.status == 401
    assert body["type"] == "/problems/unauthorized"
    assert body["reason"] == "not a query string"
    assert (
        body["detail"] == "The Telegram login data is malformed; open the app from Telegram again."
    )


# --- Login Widget: our own cases ------------------------------------------------------------


def widget(data: Any, token: str = TOKEN, now: datetime = NOW) -> Any:
    return verify_login_widget(data, token=token, max_age_seconds=86_400, now=now)


def test_widget_with_numbers_as_json_numbers_verifies() -> None:
    result = widget(signed_widget(username="ivan_p", last_name="Петров"))
    assert result.identity.id == 1001
    assert result.identity.display_name == "Иван Петров"


def test_widget_signed_with_another_token_is_refused() -> None:
    with pytest.raises(TelegramAuthError):
        widget(signed_widget("999:OTHER"))


def test_widget_signed_with_the_mini_app_key_is_refused() -> None:
    values = {"id": "1", "auth_date": str(int(NOW.timestamp()))}
    values["hash"] = sign(values, init_data_secret(TOKEN))
    with pytest.raises(TelegramAuthError):
        widget(values)


def test_widget_with_a_changed_name_is_refused() -> None:
    data = signed_widget()
    data["first_name"] = "Пётр"
    with pytest.raises(TelegramAuthError):
        widget(data)


def test_widget_older_than_its_window_is_stale() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        widget(signed_widget(auth_date=NOW - timedelta(days=1, seconds=1)))
    assert exc.value.detail_key == "tg_auth.stale"


def test_widget_from_the_future_is_refused() -> None:
    with pytest.raises(TelegramAuthError) as exc:
        widget(signed_widget(auth_date=NOW + timedelta(minutes=2)))
    assert exc.value.detail_key == "tg_auth.future"


@pytest.mark.parametrize(
    "data",
    [
        [],
        "id=1",
        {"id": 1, "auth_date": 1},
        {"id": 1, "auth_date": 1, "hash": 5},
        {"id": [1], "auth_date": 1, "hash": "0" * 64},
        {"id": True, "auth_date": 1, "hash": "0" * 64},
        {"id": 1.5, "auth_date": 1, "hash": "0" * 64},
        {"Bad Key": "x", "hash": "0" * 64},
        {f"f{i}": "x" for i in range(100)},
        {"id": 1, "first_name": "x" * 10_000, "hash": "0" * 64},
    ],
    ids=[
        "list",
        "string",
        "no-hash",
        "numeric-hash",
        "list-id",
        "bool-id",
        "float-id",
        "bad-key",
        "too-many-fields",
        "huge-value",
    ],
)
def test_malformed_widget_payloads_are_refused(data: Any) -> None:
    with pytest.raises(TelegramAuthError):
        widget(data)
