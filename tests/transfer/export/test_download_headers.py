"""Downloads name their file in the user's language, safely for every browser (RFC 6266)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import httpx

from tests.transfer.export.conftest import Shop


async def test_russian_file_name_has_an_ascii_fallback_and_utf8_name(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    headers = {**admin_headers, "Accept-Language": "ru"}
    response = await client.get("/api/v1/exports/orders?format=json", headers=headers)
    disposition = response.headers["content-disposition"]
    today = datetime.now(UTC).date().isoformat()
    assert disposition.startswith('attachment; filename="')
    assert disposition.encode("latin-1").isascii()
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"заказы-{today}.json"


async def test_chosen_file_name_is_sanitised_and_gets_the_extension(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"filename": "../Прайс: май", "format": "csv"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    encoded = response.headers["content-disposition"].split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "_Прайс_ май.csv"
