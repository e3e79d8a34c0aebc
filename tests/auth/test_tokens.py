"""Access tokens are checked strictly; refresh tokens rotate and a reused one revokes the family."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from orderdesk.container import Container
from tests.conftest import PASSWORD, UserFactory

SECRET = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105
ME = "/api/v1/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login_pair(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_returns_a_new_working_pair(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    first = await login_pair(client, "ivan")
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await client.get(ME, headers=bearer(second["access_token"]))
    assert me.json()["username"] == "ivan"
    assert (await refresh(client, second["refresh_token"])).status_code == 200


async def test_reused_refresh_token_is_401_and_revokes_the_whole_family(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    first = await login_pair(client, "ivan")
    second = (await refresh(client, first["refresh_token"])).json()
    other_login = await login_pair(client, "ivan")

    reused = await refresh(client, first["refresh_token"])

    assert reused.status_code == 401
    assert "already used" in reused.json()["detail"]
    assert (await refresh(client, second["refresh_token"])).status_code == 401
    assert (await client.get(ME, headers=bearer(second["access_token"]))).status_code == 401
    # Another login of the same user is a different family and keeps working.
    assert (await client.get(ME, headers=bearer(other_login["access_token"]))).status_code == 200


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "this-token-was-never-issued")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/unauthorized"


async def test_refresh_after_logout_is_401(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    pair = await login_pair(client, "ivan")
    await client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]))
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_blocking_a_user_ends_their_access_token_at_once(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    ivan = await make_user("staff", username="ivan")
    pair = await login_pair(client, "ivan")
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200

    blocked = await client.patch(
        f"/api/v1/users/{ivan.id}", json={"status": "blocked"}, headers=admin_headers
    )

    assert blocked.status_code == 200
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_unblocking_does_not_revive_the_sessions_blocking_ended(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    ivan = await make_user("staff", username="ivan")
    pair = await login_pair(client, "ivan")
    for status in ("blocked", "active"):
        response = await client.patch(
            f"/api/v1/users/{ivan.id}", json={"status": status}, headers=admin_headers
        )
        assert response.status_code == 200
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401
    assert (await login_pair(client, "ivan"))["access_token"]


async def test_admin_setting_a_password_ends_the_users_sessions(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    ivan = await make_user("staff", username="ivan")
    pair = await login_pair(client, "ivan")
    response = await client.patch(
        f"/api/v1/users/{ivan.id}", json={"password": "Fresh-Start-2025"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


# --- forged and broken access tokens -------------------------------------------------------


@pytest.fixture
async def real_claims(client: httpx.AsyncClient, make_user: UserFactory) -> dict[str, Any]:
    """The claims of a genuine access token of a logged-in user, to forge variants of."""
    await make_user("staff", username="ivan")
    pair = await login_pair(client, "ivan")
    return jwt.decode(pair["access_token"], options={"verify_signature": False})


def forge(claims: dict[str, Any], key: str = SECRET, **changes: Any) -> str:
    return jwt.encode({**claims, **changes}, key, algorithm="HS256")


def unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_a_correctly_forged_token_is_accepted(
    client: httpx.AsyncClient, real_claims: dict[str, Any]
) -> None:
    """Control case: the forging helper is right, so the attacks below fail for their change."""
    response = await client.get(ME, headers=bearer(forge(real_claims)))
    assert response.status_code == 200


async def test_request_without_token_is_401_with_www_authenticate(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(ME)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Bearer ", "Basic aXZhbjpwYXNz", "Bearer"],
)
async def test_malformed_authorization_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get(ME, headers={"Authorization": authorization})
    assert response.status_code == 401


async def test_token_signed_with_another_key_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any]
) -> None:
    token = forge(real_claims, key="another-secret-key-that-is-long-enough-98765")
    assert (await client.get(ME, headers=bearer(token))).status_code == 401


async def test_expired_token_is_401(client: httpx.AsyncClient, real_claims: dict[str, Any]) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    token = forge(
        real_claims,
        iat=int((past - timedelta(minutes=15)).timestamp()),
        exp=int(past.timestamp()),
    )
    assert (await client.get(ME, headers=bearer(token))).status_code == 401


async def test_unsigned_alg_none_token_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any]
) -> None:
    assert (await client.get(ME, headers=bearer(unsigned(real_claims)))).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "someone-else"},
        {"iss": "evil"},
        {"typ": "refresh"},
        {"sid": "1"},
        {"sub": "not-a-number"},
    ],
    ids=["wrong-aud", "wrong-iss", "wrong-typ", "sid-not-int", "sub-not-int"],
)
async def test_token_with_wrong_claim_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any], change: dict[str, Any]
) -> None:
    assert (await client.get(ME, headers=bearer(forge(real_claims, **change)))).status_code == 401


@pytest.mark.parametrize("claim", ["exp", "sid", "typ", "aud", "iss"])
async def test_token_missing_a_required_claim_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any], claim: str
) -> None:
    claims = {k: v for k, v in real_claims.items() if k != claim}
    assert (await client.get(ME, headers=bearer(forge(claims)))).status_code == 401


async def test_token_for_a_session_that_does_not_exist_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any]
) -> None:
    token = forge(real_claims, sid=real_claims["sid"] + 1000)
    response = await client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert "session has ended" in response.json()["detail"]


async def test_token_naming_another_user_on_my_session_is_401(
    client: httpx.AsyncClient, real_claims: dict[str, Any], make_user: UserFactory
) -> None:
    other = await make_user("admin", username="boss")
    token = forge(real_claims, sub=str(other.id), role="admin")
    assert (await client.get(ME, headers=bearer(token))).status_code == 401


async def test_token_signed_with_an_older_rotated_key_still_verifies(
    container: Container, real_claims: dict[str, Any]
) -> None:
    from orderdesk.auth.tokens import TokenCodec

    rotated = container.settings.model_copy(
        update={"secret_keys": ["a-brand-new-signing-key-that-is-long-enough", SECRET]}
    )
    claims = TokenCodec(rotated).decode_access(forge(real_claims))
    assert claims.session_id == real_claims["sid"]
    assert claims.expires_at.tzinfo is not None
