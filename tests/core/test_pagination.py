"""Keyset cursors: round trips, and tampered cursors refused as 422 on the cursor field."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from orderdesk.core.errors import ValidationFailed
from orderdesk.core.pagination import (
    PageRequest,
    decode_cursor,
    encode_cursor,
    finish_page,
    like_pattern,
    search_text,
)
from tests.conftest import UserFactory

USERS = "/api/v1/users"


def raw_cursor(data: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [None, 5, "Анна", datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC), Decimal("150.0001")],
)
def test_cursor_round_trips_its_value_and_id(value: Any) -> None:
    cursor = encode_cursor("-created_at", value, 42)
    assert "=" not in cursor
    assert decode_cursor(cursor, "-created_at") == (value, 42)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "курсор",
        raw_cursor({"s": "id", "v": 1, "id": 3}),
        raw_cursor({"s": "-id", "v": 1, "id": "3"}),
        raw_cursor({"s": "-id", "v": 1}),
        raw_cursor([1, 2]),
        raw_cursor("just a string"),
        raw_cursor({"s": "-id", "v": {"dt": "yesterday"}, "id": 3}),
        raw_cursor({"s": "-id", "v": {"dec": "abc"}, "id": 3}),
    ],
)
def test_tampered_cursor_is_invalid(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(cursor, "-id")
    assert [(e["field"], e["code"]) for e in raised.value.errors] == [("cursor", "invalid")]


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("display_name", {"dec": "abc"}),
        ("display_name", 12345),
        ("-created_at", {"dt": "2025-01-01T00:00:00"}),
        ("-created_at", "2025-01-01"),
        ("-created_at", {"dec": "1.5"}),
        ("role", ["admin"]),
    ],
)
async def test_tampered_cursor_over_http_is_422_naming_cursor(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_user: UserFactory,
    sort: str,
    value: Any,
) -> None:
    await make_user("staff")
    cursor = raw_cursor({"s": sort, "v": value, "id": 1})
    response = await client.get(
        USERS, params={"sort": sort, "cursor": cursor}, headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


async def test_cursor_of_one_sort_is_refused_for_another(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    for _ in range(3):
        await make_user("staff")
    first = await client.get(USERS, params={"limit": 1, "sort": "id"}, headers=admin_headers)
    cursor = first.json()["next_cursor"]
    response = await client.get(
        USERS, params={"limit": 1, "sort": "-id", "cursor": cursor}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_finish_page_cuts_the_probe_row_and_points_at_the_last_kept_row() -> None:
    rows = [{"id": n, "name": f"n{n}"} for n in (5, 4, 3)]
    page = finish_page(rows, PageRequest(limit=2, sort="-name"), "name")
    assert [r["id"] for r in page.items] == [5, 4]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor, "-name") == ("n4", 4)
    last = finish_page(rows[:2], PageRequest(limit=2, sort="-name"), "name")
    assert last.next_cursor is None


def test_search_text_is_case_folded_and_skips_empty_parts() -> None:
    assert search_text("Ivan", None, "", "Иван ПЕТРОВ", 42) == "ivan иван петров 42"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_Off\\") == "%50\\%\\_off\\\\%"
