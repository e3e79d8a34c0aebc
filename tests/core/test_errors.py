"""Every error is problem+json, in the client's language, without internals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.container import Container

PROBLEM = "application/problem+json"


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {"type": "/problems/not-found", "title": "Not found", "status": 404}


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/health/live")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == (
        "/problems/method-not-allowed",
        "Method not allowed",
        405,
    )
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("path", "title"),
    [("/api/v1/no-such-thing", "Не найдено"), ("/api/v1/auth/me", "Требуется вход")],
)
async def test_problem_titles_are_russian_when_asked(
    client: httpx.AsyncClient, path: str, title: str
) -> None:
    response = await client.get(path, headers={"Accept-Language": "ru"})
    assert response.json()["title"] == title


async def test_detail_is_russian_when_asked(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me", headers={"Accept-Language": "ru"})
    assert response.json()["detail"] == "Нужен токен доступа (Authorization: Bearer …)."


async def test_language_of_one_request_does_not_leak_into_the_next(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/api/v1/nothing", headers={"Accept-Language": "ru"})
    response = await client.get("/api/v1/nothing")
    assert response.json()["title"] == "Not found"


async def test_app_error_names_the_path_as_instance(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")
    assert response.json()["instance"] == "/api/v1/auth/me"


async def test_malformed_json_is_422_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/units",
        content=b'{"code": "north", "name": ',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/validation-error"
    assert [e["code"] for e in response.json()["errors"]] == ["json_invalid"]


async def test_json_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/units", json=["north"], headers=admin_headers)
    assert response.status_code == 422


async def test_validation_messages_in_russian(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/units",
        json={"name": "Северный", "extra": 1},
        headers={**admin_headers, "Accept-Language": "ru"},
    )
    body = response.json()
    assert body["title"] == "Ошибка проверки данных"
    assert body["detail"] == "Некорректных полей: 2."
    assert {e["field"]: e["message"] for e in body["errors"]} == {
        "code": "Обязательное поле",
        "extra": "Неизвестное поле",
    }


@pytest.fixture
async def crashing_app(container: Container) -> FastAPI:
    app = create_app(container=container)

    async def explode() -> dict[str, Any]:
        raise RuntimeError("secret-internal-detail in /srv/orderdesk/app.py line 42")

    app.add_api_route("/boom", explode)
    return app


async def test_unhandled_exception_is_500_problem_without_internals(
    crashing_app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=crashing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/boom", headers={"X-Request-ID": "crash-1"})
        ru = await http.get("/boom", headers={"Accept-Language": "ru"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "/problems/internal"
    assert body["title"] == "Internal server error"
    assert body["status"] == 500
    assert "secret-internal-detail" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"] == "crash-1"
    assert ru.json()["title"] == "Внутренняя ошибка сервера"
