"""Password policy (length, common passwords, username) and changing one's own password."""

from __future__ import annotations

import httpx
import pytest

from orderdesk.auth.passwords import Passwords, common_passwords
from orderdesk.container import Container
from orderdesk.core.errors import ValidationFailed
from orderdesk.core.i18n import t
from tests.conftest import PASSWORD, LoginFactory, UserFactory

NEW_PASSWORD = "Violet-Lantern-77"  # noqa: S105
CHANGE = "/api/v1/auth/password"


def codes(response: httpx.Response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in response.json().get("errors", []):
        found.setdefault(error["field"], []).append(error["code"])
    return found


async def login_status(client: httpx.AsyncClient, username: str, password: str) -> int:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    return response.status_code


# --- the policy, through user creation ---------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Short-1", ["password_too_short"]),
        ("password123", ["password_common"]),
        ("qwerty123", ["password_too_short", "password_common"]),
        ("QWERTY123", ["password_too_short", "password_common"]),
        ("petrov-is-the-best", ["password_contains_username"]),
        ("PETROV-is-the-best", ["password_contains_username"]),
    ],
)
async def test_weak_password_on_user_creation_is_422_naming_password(
    client: httpx.AsyncClient, admin_headers: dict[str, str], password: str, expected: list[str]
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"username": "petrov", "password": password, "role": "staff"},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert codes(response) == {"password": expected}


async def test_policy_messages_are_in_russian_on_request(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"username": "petrov", "password": "petrov1", "role": "staff"},
        headers={**admin_headers, "Accept-Language": "ru"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "Ошибка проверки данных"
    assert [e["message"] for e in body["errors"]] == [
        "Не короче 10 символов",
        "Пароль не должен содержать имя пользователя",
    ]


async def test_policy_messages_are_in_english_by_default(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/users",
        json={"username": "petrov", "password": "password123", "role": "staff"},
        headers=admin_headers,
    )
    assert [e["message"] for e in response.json()["errors"]] == ["This password is too common"]


def test_common_password_list_is_loaded_and_case_folded() -> None:
    listed = common_passwords()
    assert {"password123", "qwerty123"} <= listed
    assert all(word == word.casefold() for word in listed)


def test_policy_accepts_a_good_password(container: Container) -> None:
    container.passwords.check_policy(NEW_PASSWORD, username="petrov")


def test_policy_uses_configured_minimum_length(container: Container) -> None:
    longer = Passwords(container.settings.model_copy(update={"password_min_length": 20}))
    with pytest.raises(ValidationFailed) as raised:
        longer.check_policy(NEW_PASSWORD, username=None)
    assert [(e["field"], e["code"]) for e in raised.value.errors] == [
        ("password", "password_too_short")
    ]
    assert raised.value.errors[0]["message"] == t("field.password_too_short", "en", limit=20)


def test_hash_verifies_only_its_password(container: Container) -> None:
    stored = container.passwords.hash(NEW_PASSWORD)
    assert stored != NEW_PASSWORD
    assert container.passwords.verify(NEW_PASSWORD, stored)
    assert not container.passwords.verify(PASSWORD, stored)
    assert not container.passwords.verify(NEW_PASSWORD, None)
    assert not container.passwords.verify(NEW_PASSWORD, "not-a-hash")


# --- changing one's own password ---------------------------------------------------------


async def test_password_change_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    ivan = await make_user("staff", username="ivan")
    here, elsewhere = await login(ivan), await login(ivan)

    response = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=here,
    )

    assert response.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=here)).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=elsewhere)).status_code == 401
    assert await login_status(client, "ivan", NEW_PASSWORD) == 200
    assert await login_status(client, "ivan", PASSWORD) == 401


async def test_password_change_with_wrong_current_password_is_401_and_changes_nothing(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    ivan = await make_user("staff", username="ivan")
    headers = await login(ivan)
    response = await client.post(
        CHANGE,
        json={"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "The current password is wrong."
    assert await login_status(client, "ivan", PASSWORD) == 200
    assert await login_status(client, "ivan", NEW_PASSWORD) == 401


@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        ("Short-1", "password_too_short"),
        ("password123", "password_common"),
        ("my-ivan-password-2024", "password_contains_username"),
    ],
)
async def test_password_change_to_weak_password_is_422_naming_new_password(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    login: LoginFactory,
    new_password: str,
    code: str,
) -> None:
    headers = await login(await make_user("staff", username="ivan"))
    response = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=headers,
    )
    assert response.status_code == 422
    assert codes(response) == {"new_password": [code]}
    assert await login_status(client, "ivan", PASSWORD) == 200


async def test_password_change_errors_in_russian(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    headers = await login(await make_user("staff", username="ivan"))
    response = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "password123"},
        headers={**headers, "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "new_password",
            "code": "password_common",
            "message": "Слишком распространённый пароль",
        }
    ]


async def test_password_change_needs_a_login(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CHANGE, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401
